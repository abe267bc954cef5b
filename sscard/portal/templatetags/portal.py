"""Template filters and the accessible form-field tag of the portal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField

from sscard.common import charts
from sscard.portal import formats, labels

register = template.Library()

TABLES = {
    "card_status": labels.CARD_STATUS,
    "bank_status": labels.BANK_STATUS,
    "application_type": labels.APPLICATION_TYPE,
    "reason": labels.REPLACEMENT_REASON,
    "step": labels.STEP,
    "outlet_type": labels.OUTLET_TYPE,
    "service": labels.SERVICE,
    "waiver": labels.FEE_WAIVER,
    "relation": labels.RELATION,
    "channel": labels.CHANNEL,
    "insurance": labels.INSURANCE,
    "record_status": labels.RECORD_STATUS,
    "dispute_status": labels.DISPUTE_STATUS,
    "statement_status": labels.STATEMENT_STATUS,
}


@register.filter
def say(code: str, table: str) -> str:
    """{{ card.status|say:"card_status" }}: a code in plain words."""
    return labels.label(TABLES[table], code)


@register.filter
def day(value: dt.date | None) -> str:
    return formats.day(value)


@register.filter
def moment(value: dt.datetime | None) -> str:
    return formats.moment(value)


@register.filter
def yuan(value: Decimal) -> str:
    return formats.money(value)


@register.filter
def month(value: dt.date | None) -> str:
    return formats.month(value)


@register.filter
def amount(value: Decimal | None) -> str:
    return formats.amount(value)


@register.filter
def km(value: float | None) -> str:
    return formats.distance(value)


@register.filter
def hours_today(hours: dict[str, list[list[str]]]) -> str:
    return formats.hours_today(hours)


@register.filter
def week_hours(hours: dict[str, list[list[str]]]) -> list[tuple[str, str]]:
    return formats.week_hours(hours)


def _ids(field: BoundField) -> tuple[str, str, str]:
    base = field.auto_id or f"id_{field.html_name}"
    return base, f"{base}-hint", f"{base}-error"


@register.inclusion_tag("portal/_field.html")
def field(bound: BoundField, **attrs: Any) -> dict[str, Any]:
    """A field with its label, hint and error, tied together for screen readers."""
    base, hint_id, error_id = _ids(bound)
    described = []
    if bound.help_text:
        described.append(hint_id)
    if bound.errors:
        described.append(error_id)
    widget_attrs = {k.replace("_", "-"): v for k, v in attrs.items()}
    widget = bound.field.widget
    radios = isinstance(widget, forms.RadioSelect)
    if described and not radios:
        widget_attrs["aria-describedby"] = " ".join(described)
    if bound.errors and not radios:
        widget_attrs["aria-invalid"] = "true"
    return {
        "f": bound,
        "id": base,
        "hint_id": hint_id,
        "error_id": error_id,
        "described": " ".join(described),
        "checkbox": isinstance(widget, forms.CheckboxInput),
        "radios": radios,
        "widget": None if radios else bound.as_widget(attrs=widget_attrs),
    }


@register.inclusion_tag("portal/_error_summary.html")
def error_summary(*forms_: forms.Form) -> dict[str, Any]:
    """The errors of the forms at the top of the page, each a link to its field."""
    items = []
    for form in forms_:
        if form is None or not form.is_bound:
            continue
        for error in form.non_field_errors():
            items.append({"href": "", "text": error})
        for name, errors in form.errors.items():
            if name == "__all__":
                continue
            bound = form[name]
            target = bound.auto_id
            if isinstance(bound.field.widget, forms.RadioSelect):
                target = f"{bound.auto_id}_0"
            for error in errors:
                items.append({"href": f"#{target}", "text": error})
    return {"items": items}


@register.simple_tag(takes_context=True)
def signed_in(context: template.Context) -> bool:
    """Whether someone is signed in (for the menu): the session's key, no database read."""
    from sscard.portal.session import PERSON_KEY

    request = context.get("request")
    return bool(request is not None and request.session.get(PERSON_KEY))


@register.simple_tag
def idle_minutes() -> int:
    from django.conf import settings

    return max(1, int(settings.SESSION_COOKIE_AGE) // 60)


@register.simple_tag
def chart_svg(chart: charts.Chart, chart_id: str, label: str) -> str:
    """{% chart_svg chart "chart-pension" label %}: the chart's inline SVG, written in Python
    (`charts.svg`, every word escaped) rather than by a template loop over its bars."""
    return charts.svg(chart, chart_id=chart_id, label=label)


@register.filter
def either(codes: list[str], table: str) -> str:
    """["quality_fault", "hardship"]|either:"waiver" -> "the card has a fault or you are ..."."""
    return formats.either([labels.label(TABLES[table], code) for code in codes])


@register.filter
def listing(items: list[str]) -> str:
    return formats.listing(items)


@register.filter
def names(codes: list[str], table: str) -> str:
    """["pension", "medical"]|names:"insurance" -> "Pension insurance, Medical insurance"."""
    return formats.listing([labels.label(TABLES[table], code) for code in codes])


@register.filter
def percent(rate: Decimal) -> str:
    """0.0831 -> "8.31 %"."""
    return f"{rate * 100:.2f} %"


@register.filter
def months_of(lines: list[Any]) -> str:
    """The months of a page's lines in a sentence: "April 2025, May 2025" / "2025年4月、…"."""
    return formats.listing([formats.month(line.month) for line in lines])
