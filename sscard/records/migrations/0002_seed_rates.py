"""The figures of DOMAIN.md section 11 as data: the yearly interest rates of pension personal
accounts (2016-2024, as announced), the typical contribution rates, and the base limits (60 %
and 300 % of the previous year's average monthly wage) of the national default and of
Guangzhou (4401). The rates and wages are illustrative figures of the right size, to be kept up
to date by the agency like the regional policies."""

from decimal import Decimal

from django.db import migrations

PENSION_INTEREST = {
    2016: "0.0831",
    2017: "0.0712",
    2018: "0.0829",
    2019: "0.0761",
    2020: "0.0604",
    2021: "0.0669",
    2022: "0.0612",
    2023: "0.0397",
    2024: "0.0262",
}

# region prefix -> year from which they apply -> insurance -> (employer, individual)
RATES = {
    "": {
        2010: {
            "pension": ("0.2000", "0.0800"),
            "medical": ("0.0800", "0.0200"),
            "unemployment": ("0.0070", "0.0030"),
            "work_injury": ("0.0050", "0"),
            "maternity": ("0.0080", "0"),
        },
        2019: {
            "pension": ("0.1600", "0.0800"),
            "medical": ("0.0800", "0.0200"),
            "unemployment": ("0.0050", "0.0050"),
            "work_injury": ("0.0040", "0"),
            "maternity": ("0.0080", "0"),
        },
    },
    "4401": {
        2010: {
            "pension": ("0.1400", "0.0800"),
            "medical": ("0.0700", "0.0200"),
            "unemployment": ("0.0070", "0.0030"),
            "work_injury": ("0.0050", "0"),
            "maternity": ("0.0085", "0"),
        },
        2022: {
            "pension": ("0.1600", "0.0800"),
            "medical": ("0.0650", "0.0200"),
            "unemployment": ("0.0080", "0.0020"),
            "work_injury": ("0.0020", "0"),
            "maternity": ("0.0085", "0"),
        },
    },
}

# region prefix -> year -> the average monthly wage of that year (yuan)
AVERAGE_WAGES = {
    "": dict(
        zip(
            range(2009, 2026),
            (2728, 3045, 3483, 3897, 4290, 4697, 5169, 5631, 6193, 6855, 7542, 8115, 8847, 9375,
             10058, 10400, 10700),
            strict=True,
        )
    ),
    "4401": dict(
        zip(
            range(2009, 2026),
            (3800, 4200, 4600, 5000, 5300, 5800, 6200, 6700, 7200, 7700, 8200, 8600, 9200, 9600,
             10000, 10400, 10800),
            strict=True,
        )
    ),
}


def seed(apps, schema_editor):
    PensionInterestRate = apps.get_model("records", "PensionInterestRate")
    ContributionRate = apps.get_model("records", "ContributionRate")
    BaseLimit = apps.get_model("records", "BaseLimit")
    for year, rate in PENSION_INTEREST.items():
        PensionInterestRate.objects.update_or_create(year=year, defaults={"rate": Decimal(rate)})
    for prefix, years in RATES.items():
        for year, insurances in years.items():
            for insurance, (employer, individual) in insurances.items():
                ContributionRate.objects.update_or_create(
                    region_prefix=prefix,
                    year=year,
                    insurance=insurance,
                    defaults={
                        "employer_rate": Decimal(employer),
                        "individual_rate": Decimal(individual),
                    },
                )
    for prefix, wages in AVERAGE_WAGES.items():
        for year, wage in wages.items():
            BaseLimit.objects.update_or_create(
                region_prefix=prefix,
                year=year + 1,
                defaults={
                    "lower": (Decimal(wage) * Decimal("0.6")).quantize(Decimal("1")),
                    "upper": Decimal(wage) * 3,
                },
            )


def unseed(apps, schema_editor):
    for name in ("PensionInterestRate", "ContributionRate", "BaseLimit"):
        apps.get_model("records", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
