"""Reference data for the Guangzhou demo: districts, banks, outlets, names and roads.

Region codes are the real GB/T 2260 codes. A citizen ID carries the code of the place where
the number was assigned (DOMAIN.md section 3): at birth registration for anyone born since
numbers were first given out in 1985, in the years after that for everyone older. So a resident
of 天河区 born in 1970 holds a 440106 number (the district dates from 1985), and one born in
番禺 holds the code of the year the number was assigned (番禺县 440126 before 1992, 番禺市
440181 until 2000, 番禺区 440113 from 2000). Names, addresses, phone numbers and coordinates of
outlets are plausible, not a directory of the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass

from sscard.outlets.models import OutletType, Service

CITY_REGION = "440100"


@dataclass(frozen=True)
class District:
    code: str
    name: str
    lat: float
    lon: float
    weight: int  # resident population in ten thousands (2020 census, rounded)
    roads: tuple[str, ...]
    # (first year, last year, code): the code an ID number assigned that year carries.
    id_codes: tuple[tuple[int | None, int | None, str], ...]

    def id_region_for(self, year: int) -> str:
        """The code of a number assigned in `year` to someone registered here."""
        for first, last, code in self.id_codes:
            if (first is None or year >= first) and (last is None or year <= last):
                return code
        raise ValueError(f"no region code for {self.code} in {year}")


# The Resident Identity Card Regulations of 1985: numbers were first given out from then.
FIRST_NUMBERS = 1985
FIRST_NUMBERS_SPREAD = 11  # everyone then living had one within about ten years


def id_assigned_in(birth_year: int, index: int) -> int:
    """The year a person's number was assigned: at birth since 1985; for someone born earlier,
    one of the years after 1985 (spread by `index`, so the demo stays the same every run)."""
    if birth_year >= FIRST_NUMBERS:
        return birth_year
    return FIRST_NUMBERS + index % FIRST_NUMBERS_SPREAD


_OLD_CITY = (None, 1983, "440120")  # 广州市市区, before the 1983 districts

DISTRICTS: tuple[District, ...] = (
    District(
        "440103",
        "荔湾区",
        23.1259,
        113.2442,
        112,
        ("中山八路", "康王中路", "龙津西路", "芳村大道中", "花地大道北", "黄沙大道", "多宝路"),
        ((1983, None, "440103"), _OLD_CITY),
    ),
    District(
        "440104",
        "越秀区",
        23.1290,
        113.2668,
        104,
        ("北京路", "中山五路", "东风中路", "环市东路", "解放北路", "越秀南路", "农林下路"),
        ((1983, None, "440104"), _OLD_CITY),
    ),
    District(
        "440105",
        "海珠区",
        23.0839,
        113.3172,
        182,
        ("江南大道中", "工业大道中", "新港中路", "昌岗中路", "宝岗大道", "南洲路", "赤岗路"),
        ((1983, None, "440105"), _OLD_CITY),
    ),
    District(
        "440106",
        "天河区",
        23.1247,
        113.3612,
        224,
        ("天河路", "体育西路", "天河北路", "黄埔大道西", "中山大道西", "林和西路", "五山路"),
        ((1985, None, "440106"), (1983, 1986, "440111"), _OLD_CITY),
    ),
    District(
        "440111",
        "白云区",
        23.1578,
        113.2732,
        374,
        ("白云大道北", "机场路", "广园中路", "同和路", "黄石东路", "云城东路", "石井大道"),
        ((1983, None, "440111"), _OLD_CITY),
    ),
    District(
        "440112",
        "黄埔区",
        23.1063,
        113.4594,
        119,
        ("黄埔东路", "大沙地东", "开创大道", "科学大道", "香雪大道", "开发大道", "港湾路"),
        ((1983, None, "440112"), _OLD_CITY),
    ),
    District(
        "440113",
        "番禺区",
        22.9380,
        113.3845,
        265,
        ("清河东路", "番禺大道北", "兴业大道", "迎宾路", "亚运大道", "富华西路", "德兴路"),
        ((2000, None, "440113"), (1992, 2000, "440181"), (None, 1992, "440126")),
    ),
    District(
        "440114",
        "花都区",
        23.4040,
        113.2203,
        164,
        ("迎宾大道", "凤凰北路", "云山大道", "三东大道", "新华路", "商业大道", "秀全大道"),
        ((2000, None, "440114"), (1993, 2000, "440182"), (None, 1993, "440121")),
    ),
    District(
        "440115",
        "南沙区",
        22.8016,
        113.5250,
        85,
        ("进港大道", "凤凰大道", "黄阁大道", "金隆路", "环市大道中", "双山大道", "港前大道"),
        (
            (2005, None, "440115"),
            (2000, 2005, "440113"),
            (1992, 2000, "440181"),
            (None, 1992, "440126"),
        ),
    ),
    District(
        "440117",
        "从化区",
        23.5486,
        113.5865,
        72,
        ("河滨北路", "新城东路", "从城大道", "青云路", "中田路", "温泉东路", "府前路"),
        ((2014, None, "440117"), (1994, 2014, "440184"), (None, 1994, "440122")),
    ),
    District(
        "440118",
        "增城区",
        23.2610,
        113.8109,
        147,
        ("荔城大道", "增城大道", "府佑路", "港口大道", "光明东路", "荔乡路", "挂绿路"),
        ((2014, None, "440118"), (1993, 2014, "440183"), (None, 1993, "440125")),
    ),
)
DISTRICT_BY_CODE = {d.code: d for d in DISTRICTS}


@dataclass(frozen=True)
class BankSpec:
    code: str
    name: str
    bin: str  # the first six digits of its account numbers (illustrative)
    weight: int


BANKS: tuple[BankSpec, ...] = (
    BankSpec("ICBC", "中国工商银行", "622202", 25),
    BankSpec("CCB", "中国建设银行", "621700", 20),
    BankSpec("ABC", "中国农业银行", "622848", 15),
    BankSpec("BOC", "中国银行", "621785", 12),
    BankSpec("GRCB", "广州农村商业银行", "621058", 28),
)

# ---------------------------------------------------------------- outlets

S = Service
SERVICES: dict[str, tuple[str, ...]] = {
    OutletType.COMMUNITY_COMMITTEE: (S.INTAKE, S.INQUIRY),
    OutletType.SUBDISTRICT_OFFICE: (
        S.INTAKE,
        S.TEMPORARY_LOSS_REPORT,
        S.FORMAL_LOSS_REPORT,
        S.REISSUE,
        S.INQUIRY,
    ),
    OutletType.SOCIAL_INSURANCE_AGENCY: (
        S.TEMPORARY_LOSS_REPORT,
        S.FORMAL_LOSS_REPORT,
        S.LIFT,
        S.REISSUE,
        S.COLLECTION,
        S.ACTIVATION,
        S.PIN_RESET,
        S.INQUIRY,
    ),
    OutletType.HRSS_BUREAU: tuple(Service.values),
    OutletType.BANK_OUTLET: (
        S.TEMPORARY_LOSS_REPORT,
        S.FORMAL_LOSS_REPORT,
        S.LIFT,
        S.REISSUE,
        S.COLLECTION,
        S.ACTIVATION,
        S.PIN_RESET,
        S.INQUIRY,
    ),
    OutletType.SELF_SERVICE_TERMINAL: (S.TEMPORARY_LOSS_REPORT, S.INQUIRY),
}

Hours = dict[str, list[list[str]]]


def _days(days: range, *spans: tuple[str, str]) -> Hours:
    return {str(d): [list(span) for span in spans] for d in days}


WEEKDAYS, ALL_WEEK, MON_SAT = range(1, 6), range(1, 8), range(1, 7)
GOVERNMENT_HOURS = _days(WEEKDAYS, ("09:00", "12:00"), ("13:00", "17:00"))
CITY_HALL_HOURS = _days(MON_SAT, ("09:00", "12:00"), ("13:00", "17:00"))
COMMUNITY_HOURS = _days(WEEKDAYS, ("08:30", "12:00"), ("14:30", "17:30"))
BANK_HOURS = _days(WEEKDAYS, ("09:00", "17:00"))
BANK_WEEKEND_HOURS = {**BANK_HOURS, **_days(range(6, 8), ("09:30", "16:00"))}
ROUND_THE_CLOCK = _days(ALL_WEEK, ("00:00", "24:00"))


@dataclass(frozen=True)
class OutletSpec:
    code: str
    name: str
    type: str
    district: str
    address: str
    lat: float
    lon: float
    phone: str
    hours: Hours
    extra: tuple[str, ...] = ()
    bank: str | None = None

    @property
    def services(self) -> list[str]:
        wanted = set(SERVICES[self.type]) | set(self.extra)
        return [s for s in Service.values if s in wanted]


T = OutletType
OUTLETS: tuple[OutletSpec, ...] = (
    # The bureau: all card business, instant issuance included.
    OutletSpec(
        "HR44010001",
        "广州市人力资源和社会保障局政务服务大厅",
        T.HRSS_BUREAU,
        "440104",
        "广州市越秀区越秀南路185号",
        23.1223,
        113.2811,
        "020-12333",
        CITY_HALL_HOURS,
    ),
    OutletSpec(
        "HR44010601",
        "天河区人力资源和社会保障局服务大厅",
        T.HRSS_BUREAU,
        "440106",
        "广州市天河区天府路1号",
        23.1256,
        113.3614,
        "020-38622891",
        GOVERNMENT_HOURS,
    ),
    # Social insurance agencies, one a medical insurance agency.
    OutletSpec(
        "SI44010001",
        "广州市社会保险基金管理中心",
        T.SOCIAL_INSURANCE_AGENCY,
        "440104",
        "广州市越秀区流花路3号",
        23.1398,
        113.2574,
        "020-83218633",
        CITY_HALL_HOURS,
    ),
    OutletSpec(
        "SI44010002",
        "广州市医疗保障服务中心",
        T.SOCIAL_INSURANCE_AGENCY,
        "440104",
        "广州市越秀区东风中路437号",
        23.1315,
        113.2702,
        "020-83125618",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SI44010301",
        "荔湾区社会保险基金管理中心",
        T.SOCIAL_INSURANCE_AGENCY,
        "440103",
        "广州市荔湾区康王中路486号",
        23.1262,
        113.2529,
        "020-81374126",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SI44010501",
        "海珠区社会保险基金管理中心",
        T.SOCIAL_INSURANCE_AGENCY,
        "440105",
        "广州市海珠区江南大道中168号",
        23.1002,
        113.2728,
        "020-84319612",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SI44010601",
        "天河区社会保险基金管理中心",
        T.SOCIAL_INSURANCE_AGENCY,
        "440106",
        "广州市天河区黄埔大道西365号",
        23.1245,
        113.3480,
        "020-38886325",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SI44011101",
        "白云区社会保险基金管理中心",
        T.SOCIAL_INSURANCE_AGENCY,
        "440111",
        "广州市白云区白云大道北1501号",
        23.1882,
        113.2719,
        "020-86374450",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SI44011301",
        "番禺区社会保险基金管理中心",
        T.SOCIAL_INSURANCE_AGENCY,
        "440113",
        "广州市番禺区清河东路319号",
        22.9412,
        113.3869,
        "020-84822173",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SI44011401",
        "花都区社会保险基金管理中心",
        T.SOCIAL_INSURANCE_AGENCY,
        "440114",
        "广州市花都区迎宾大道95号",
        23.4031,
        113.2241,
        "020-86898206",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SI44011801",
        "增城区社会保险基金管理中心",
        T.SOCIAL_INSURANCE_AGENCY,
        "440118",
        "广州市增城区荔城大道3号",
        23.2899,
        113.8286,
        "020-82752391",
        GOVERNMENT_HOURS,
    ),
    # Sub-district offices and a township government.
    OutletSpec(
        "SD44010601",
        "天河区石牌街道办事处",
        T.SUBDISTRICT_OFFICE,
        "440106",
        "广州市天河区石牌东路61号",
        23.1357,
        113.3448,
        "020-85510763",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SD44010401",
        "越秀区北京街道办事处",
        T.SUBDISTRICT_OFFICE,
        "440104",
        "广州市越秀区北京路广卫路12号",
        23.1284,
        113.2695,
        "020-83336120",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SD44010501",
        "海珠区南华西街道办事处",
        T.SUBDISTRICT_OFFICE,
        "440105",
        "广州市海珠区南华西路龙庆北街8号",
        23.1108,
        113.2623,
        "020-84440815",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SD44011101",
        "白云区景泰街道办事处",
        T.SUBDISTRICT_OFFICE,
        "440111",
        "广州市白云区广园中路景泰直街6号",
        23.1640,
        113.2720,
        "020-86323719",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SD44011301",
        "番禺区市桥街道办事处",
        T.SUBDISTRICT_OFFICE,
        "440113",
        "广州市番禺区市桥街环城中路183号",
        22.9457,
        113.3641,
        "020-84829054",
        GOVERNMENT_HOURS,
    ),
    OutletSpec(
        "SD44011701",
        "从化区温泉镇人民政府",
        T.SUBDISTRICT_OFFICE,
        "440117",
        "广州市从化区温泉镇温泉东路28号",
        23.6265,
        113.6071,
        "020-87842316",
        GOVERNMENT_HOURS,
    ),
    # Community (village) committees: preliminary intake.
    OutletSpec(
        "CC44010601",
        "天河区石牌街龙口西社区居民委员会",
        T.COMMUNITY_COMMITTEE,
        "440106",
        "广州市天河区龙口西路118号",
        23.1389,
        113.3403,
        "020-87577240",
        COMMUNITY_HOURS,
    ),
    OutletSpec(
        "CC44010401",
        "越秀区北京街盐运西社区居民委员会",
        T.COMMUNITY_COMMITTEE,
        "440104",
        "广州市越秀区盐运西路21号",
        23.1302,
        113.2671,
        "020-83320547",
        COMMUNITY_HOURS,
    ),
    OutletSpec(
        "CC44010501",
        "海珠区南华西街龙庆社区居民委员会",
        T.COMMUNITY_COMMITTEE,
        "440105",
        "广州市海珠区龙庆北街33号",
        23.1117,
        113.2630,
        "020-84416382",
        COMMUNITY_HOURS,
    ),
    OutletSpec(
        "CC44011101",
        "白云区景泰街景泰社区居民委员会",
        T.COMMUNITY_COMMITTEE,
        "440111",
        "广州市白云区景泰北街45号",
        23.1675,
        113.2745,
        "020-86351298",
        COMMUNITY_HOURS,
    ),
    OutletSpec(
        "CC44011301",
        "番禺区市桥街东涌社区居民委员会",
        T.COMMUNITY_COMMITTEE,
        "440113",
        "广州市番禺区市桥东涌路9号",
        22.9436,
        113.3702,
        "020-84836571",
        COMMUNITY_HOURS,
    ),
    OutletSpec(
        "CC44011801",
        "增城区荔城街廖村村民委员会",
        T.COMMUNITY_COMMITTEE,
        "440118",
        "广州市增城区荔城街廖村大道2号",
        23.3027,
        113.8421,
        "020-82621935",
        COMMUNITY_HOURS,
    ),
    # Bank outlets of the co-operating banks; some make cards on the spot.
    OutletSpec(
        "BK44010601",
        "中国工商银行广州天河支行",
        T.BANK_OUTLET,
        "440106",
        "广州市天河区天河路230号",
        23.1322,
        113.3248,
        "020-38731025",
        BANK_WEEKEND_HOURS,
        (S.INSTANT_ISSUANCE,),
        "ICBC",
    ),
    OutletSpec(
        "BK44010602",
        "中国建设银行广州体育西路支行",
        T.BANK_OUTLET,
        "440106",
        "广州市天河区体育西路103号",
        23.1358,
        113.3195,
        "020-38183306",
        BANK_HOURS,
        (),
        "CCB",
    ),
    OutletSpec(
        "BK44010401",
        "中国银行广州越秀支行",
        T.BANK_OUTLET,
        "440104",
        "广州市越秀区中山五路219号",
        23.1286,
        113.2716,
        "020-83338124",
        BANK_WEEKEND_HOURS,
        (S.INSTANT_ISSUANCE,),
        "BOC",
    ),
    OutletSpec(
        "BK44010501",
        "中国农业银行广州海珠支行",
        T.BANK_OUTLET,
        "440105",
        "广州市海珠区江南大道中85号",
        23.1061,
        113.2726,
        "020-84431870",
        BANK_HOURS,
        (),
        "ABC",
    ),
    OutletSpec(
        "BK44010301",
        "中国建设银行广州荔湾支行",
        T.BANK_OUTLET,
        "440103",
        "广州市荔湾区中山八路11号",
        23.1291,
        113.2443,
        "020-81701532",
        BANK_WEEKEND_HOURS,
        (S.INSTANT_ISSUANCE,),
        "CCB",
    ),
    OutletSpec(
        "BK44011101",
        "广州农村商业银行白云支行",
        T.BANK_OUTLET,
        "440111",
        "广州市白云区白云大道北880号",
        23.1801,
        113.2730,
        "020-86046613",
        BANK_WEEKEND_HOURS,
        (S.INSTANT_ISSUANCE,),
        "GRCB",
    ),
    OutletSpec(
        "BK44011201",
        "中国工商银行广州黄埔支行",
        T.BANK_OUTLET,
        "440112",
        "广州市黄埔区黄埔东路2865号",
        23.1014,
        113.4636,
        "020-82211467",
        BANK_HOURS,
        (),
        "ICBC",
    ),
    OutletSpec(
        "BK44011301",
        "广州农村商业银行番禺支行",
        T.BANK_OUTLET,
        "440113",
        "广州市番禺区清河东路88号",
        22.9391,
        113.3823,
        "020-84638809",
        BANK_HOURS,
        (),
        "GRCB",
    ),
    OutletSpec(
        "BK44011401",
        "中国农业银行广州花都支行",
        T.BANK_OUTLET,
        "440114",
        "广州市花都区新华路59号",
        23.3963,
        113.2178,
        "020-86881420",
        BANK_HOURS,
        (),
        "ABC",
    ),
    OutletSpec(
        "BK44011501",
        "中国工商银行广州南沙支行",
        T.BANK_OUTLET,
        "440115",
        "广州市南沙区进港大道582号",
        22.7990,
        113.5320,
        "020-84989170",
        BANK_HOURS,
        (),
        "ICBC",
    ),
    OutletSpec(
        "BK44011701",
        "广州农村商业银行从化支行",
        T.BANK_OUTLET,
        "440117",
        "广州市从化区河滨北路63号",
        23.5510,
        113.5852,
        "020-87928734",
        BANK_HOURS,
        (),
        "GRCB",
    ),
    OutletSpec(
        "BK44011801",
        "中国银行广州增城支行",
        T.BANK_OUTLET,
        "440118",
        "广州市增城区荔城大道222号",
        23.2887,
        113.8260,
        "020-82738815",
        BANK_HOURS,
        (),
        "BOC",
    ),
    # Self-service terminals, open round the clock; two can make a card on the spot.
    OutletSpec(
        "SS44010601",
        "天河区政务服务中心24小时自助服务区",
        T.SELF_SERVICE_TERMINAL,
        "440106",
        "广州市天河区天府路1号首层",
        23.1259,
        113.3617,
        "020-38622890",
        ROUND_THE_CLOCK,
        (S.REISSUE, S.INSTANT_ISSUANCE),
    ),
    OutletSpec(
        "SS44010401",
        "越秀区北京路社保自助服务终端",
        T.SELF_SERVICE_TERMINAL,
        "440104",
        "广州市越秀区北京路358号",
        23.1255,
        113.2692,
        "020-83336121",
        ROUND_THE_CLOCK,
    ),
    OutletSpec(
        "SS44010501",
        "海珠区客村社保自助服务终端",
        T.SELF_SERVICE_TERMINAL,
        "440105",
        "广州市海珠区新港中路397号",
        23.0960,
        113.3235,
        "020-84319613",
        ROUND_THE_CLOCK,
    ),
    OutletSpec(
        "SS44011101",
        "白云区政务服务中心自助服务区",
        T.SELF_SERVICE_TERMINAL,
        "440111",
        "广州市白云区云城东路559号",
        23.1693,
        113.2657,
        "020-36687112",
        ROUND_THE_CLOCK,
        (S.REISSUE, S.INSTANT_ISSUANCE),
    ),
    OutletSpec(
        "SS44011201",
        "黄埔区大沙地社保自助服务终端",
        T.SELF_SERVICE_TERMINAL,
        "440112",
        "广州市黄埔区大沙地东319号",
        23.1039,
        113.4538,
        "020-82379540",
        ROUND_THE_CLOCK,
    ),
    OutletSpec(
        "SS44011301",
        "番禺区市桥社保自助服务终端",
        T.SELF_SERVICE_TERMINAL,
        "440113",
        "广州市番禺区富华西路2号",
        22.9370,
        113.3795,
        "020-84836572",
        ROUND_THE_CLOCK,
    ),
)

# ---------------------------------------------------------------- people

# Common Cantonese surnames with their pinyin, weighted roughly as in Guangdong.
SURNAMES: tuple[tuple[str, str, int], ...] = (
    ("陈", "chen", 100),
    ("黄", "huang", 70),
    ("李", "li", 60),
    ("梁", "liang", 50),
    ("林", "lin", 48),
    ("张", "zhang", 45),
    ("刘", "liu", 32),
    ("罗", "luo", 30),
    ("何", "he", 30),
    ("吴", "wu", 28),
    ("王", "wang", 28),
    ("郑", "zheng", 25),
    ("杨", "yang", 24),
    ("郭", "guo", 20),
    ("钟", "zhong", 20),
    ("谢", "xie", 20),
    ("周", "zhou", 18),
    ("邓", "deng", 18),
    ("冯", "feng", 18),
    ("曾", "zeng", 18),
    ("叶", "ye", 15),
    ("蔡", "cai", 15),
    ("苏", "su", 14),
    ("许", "xu", 14),
    ("朱", "zhu", 14),
    ("卢", "lu", 14),
    ("潘", "pan", 12),
    ("廖", "liao", 12),
    ("谭", "tan", 12),
    ("黎", "li", 10),
    ("彭", "peng", 10),
    ("余", "yu", 10),
    ("莫", "mo", 9),
    ("邱", "qiu", 9),
    ("赖", "lai", 9),
    ("麦", "mai", 8),
    ("温", "wen", 8),
    ("关", "guan", 8),
    ("徐", "xu", 8),
    ("胡", "hu", 8),
    ("孙", "sun", 7),
    ("马", "ma", 7),
    ("高", "gao", 7),
    ("赵", "zhao", 7),
    ("伍", "wu", 7),
    ("唐", "tang", 7),
    ("江", "jiang", 6),
    ("方", "fang", 6),
    ("袁", "yuan", 6),
    ("区", "ou", 5),
    ("严", "yan", 5),
    ("杜", "du", 5),
    ("汤", "tang", 5),
    ("韩", "han", 5),
    ("陆", "lu", 5),
    ("甘", "gan", 4),
    ("岑", "cen", 4),
    ("邝", "kuang", 4),
    ("简", "jian", 3),
    ("骆", "luo", 3),
    ("招", "zhao", 3),
    ("容", "rong", 3),
    ("欧阳", "ouyang", 3),
    ("司徒", "situ", 2),
    ("植", "zhi", 2),
)

GIVEN_MALE: tuple[tuple[str, str], ...] = (
    ("伟", "wei"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("勇", "yong"),
    ("杰", "jie"),
    ("涛", "tao"),
    ("明", "ming"),
    ("辉", "hui"),
    ("建", "jian"),
    ("华", "hua"),
    ("志", "zhi"),
    ("国", "guo"),
    ("文", "wen"),
    ("斌", "bin"),
    ("浩", "hao"),
    ("宇", "yu"),
    ("俊", "jun"),
    ("鹏", "peng"),
    ("锋", "feng"),
    ("健", "jian"),
    ("荣", "rong"),
    ("坤", "kun"),
    ("耀", "yao"),
    ("嘉", "jia"),
    ("铭", "ming"),
    ("泽", "ze"),
    ("昊", "hao"),
    ("子", "zi"),
    ("轩", "xuan"),
    ("梓", "zi"),
    ("宏", "hong"),
    ("家", "jia"),
    ("冠", "guan"),
    ("锦", "jin"),
    ("炜", "wei"),
    ("振", "zhen"),
    ("汉", "han"),
    ("达", "da"),
    ("德", "de"),
    ("永", "yong"),
    ("智", "zhi"),
)

GIVEN_FEMALE: tuple[tuple[str, str], ...] = (
    ("丽", "li"),
    ("敏", "min"),
    ("静", "jing"),
    ("燕", "yan"),
    ("芳", "fang"),
    ("娟", "juan"),
    ("霞", "xia"),
    ("婷", "ting"),
    ("玲", "ling"),
    ("慧", "hui"),
    ("琳", "lin"),
    ("雪", "xue"),
    ("颖", "ying"),
    ("佳", "jia"),
    ("欣", "xin"),
    ("怡", "yi"),
    ("诗", "shi"),
    ("淑", "shu"),
    ("美", "mei"),
    ("翠", "cui"),
    ("凤", "feng"),
    ("萍", "ping"),
    ("秀", "xiu"),
    ("婉", "wan"),
    ("洁", "jie"),
    ("晓", "xiao"),
    ("彤", "tong"),
    ("妍", "yan"),
    ("琪", "qi"),
    ("莹", "ying"),
    ("雅", "ya"),
    ("思", "si"),
    ("悦", "yue"),
    ("嘉", "jia"),
    ("梓", "zi"),
    ("咏", "yong"),
    ("桂", "gui"),
    ("玉", "yu"),
    ("红", "hong"),
    ("春", "chun"),
)

# Mainland mobile prefixes of the three carriers.
MOBILE_PREFIXES: tuple[str, ...] = (
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "147",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "178",
    "182",
    "183",
    "187",
    "188",
    "198",
    "130",
    "131",
    "132",
    "155",
    "156",
    "166",
    "175",
    "176",
    "185",
    "186",
    "133",
    "153",
    "173",
    "177",
    "180",
    "181",
    "189",
    "191",
    "199",
)

# Reserved example domains (RFC 2606): no real mailbox ever gets a demo notification.
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org", "mail.example.com")

HOUSING = ("号", "号{b}栋{r}房", "号{b}座{r}", "号之{b}", "号{r}房")
