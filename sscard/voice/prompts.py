"""Every word the voice menu says, in Mandarin and English: the prompts of its steps, the
statuses it reads out and the refusals a caller can meet. One table, so a prompt is changed in
one place; `tests/test_voice_menu.py` holds it complete in both languages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sscard.applications.models import ApplicationStatus
from sscard.cards.models import CardStatus
from sscard.common.errors import ErrorCode

ZH, EN = "zh-hans", "en"
LANGUAGES = (ZH, EN)
# The language each of them is spoken in (<Say language="…">).
SPOKEN = {ZH: "zh-CN", EN: "en-US"}

Words = Mapping[str, str]

PROMPTS: dict[str, Words] = {
    "welcome": {
        ZH: "您好，欢迎致电12333社会保障卡服务。普通话服务请按1。",
        EN: "Welcome to the 12333 social security card service. For English, press 2.",
    },
    "services": {
        ZH: "社保卡服务：临时挂失请按1，查询社保卡状态请按2，查询申领进度请按3，人工服务请按0。",
        EN: "Card services: to report your card lost, press 1. For the status of your card, "
        "press 2. For the progress of your application, press 3. For an agent, press 0.",
    },
    "id_number": {
        ZH: "请输入您的18位身份证号码，以井号键结束。号码末位是X的，请按星号键。",
        EN: "Please key in your 18-character ID number, then press the hash key. "
        "If it ends in X, press the star key for the X.",
    },
    "id_invalid": {
        ZH: "您输入的不是有效的身份证号码。",
        EN: "That is not a valid ID number.",
    },
    "id_read_back": {
        ZH: "您输入的号码是：%(digits)s。确认请按1，重新输入请按2。",
        EN: "You keyed in: %(digits)s. If this is right, press 1. To key it in again, press 2.",
    },
    "security": {
        ZH: "为核实您的身份，请输入您登记的手机号码的后四位。",
        EN: "To check who you are, please key in the last four digits of the mobile number "
        "we have on record for you.",
    },
    "identity_failed": {
        ZH: "身份核验未通过。",
        EN: "We could not confirm who you are.",
    },
    "report_offer": {
        ZH: "将为尾号%(last4)s的社保卡办理临时挂失。挂失后卡片立即停用，挂失有效期至%(until)s，"
        "请在此前到窗口或银行办理书面挂失。确认挂失请按1，返回请按2。",
        EN: "We will report the card ending in %(last4)s temporarily lost. It is blocked at "
        "once, and the report runs until %(until)s: before then, make it formal at a window or "
        "a bank. To report it lost, press 1. To go back, press 2.",
    },
    "report_made": {
        ZH: "挂失已生效，卡片已停用。挂失编号：%(reference)s。我们将以短信或电子邮件通知您。",
        EN: "Your card is reported lost and blocked. The reference of the report is "
        "%(reference)s. We will confirm it by text message or e-mail.",
    },
    "card_status": {
        ZH: "您尾号%(last4)s的社保卡状态：%(status)s。",
        EN: "Your card ending in %(last4)s is %(status)s.",
    },
    "card_lost_until": {
        ZH: "临时挂失有效期至%(until)s。",
        EN: "The temporary report runs until %(until)s.",
    },
    "no_card": {
        ZH: "没有查到您的社保卡。",
        EN: "We have no card for you.",
    },
    "application_status": {
        ZH: "您的社保卡申领，编号%(number)s，目前状态：%(status)s。",
        EN: "Your card application, number %(number)s, is %(status)s.",
    },
    "no_application": {
        ZH: "没有查到您的社保卡申领。",
        EN: "We have no card application for you.",
    },
    "wrong_key": {
        ZH: "输入有误。",
        EN: "Sorry, that key is not one of the choices.",
    },
    "no_key": {
        ZH: "没有收到您的输入。",
        EN: "We did not hear a key.",
    },
    "transfer": {
        ZH: "正在为您转接人工服务，请稍候。您的来电编号是：%(reference)s。",
        EN: "Connecting you to an agent, please hold. Your call reference is %(reference)s.",
    },
    "goodbye": {
        ZH: "感谢您的来电，再见。",
        EN: "Thank you for calling. Goodbye.",
    },
}

CARD_STATUS: dict[str, Words] = {
    CardStatus.IN_PRODUCTION: {ZH: "制卡中", EN: "being made"},
    CardStatus.AWAITING_COLLECTION: {ZH: "待领取", EN: "waiting to be collected"},
    CardStatus.SEALED: {ZH: "已领取，尚未启用", EN: "collected, not yet activated"},
    CardStatus.NORMAL: {ZH: "正常", EN: "in use"},
    CardStatus.TEMPORARILY_LOST: {ZH: "临时挂失", EN: "temporarily reported lost"},
    CardStatus.FORMALLY_LOST: {ZH: "正式挂失", EN: "formally reported lost"},
    CardStatus.PIN_LOCKED: {ZH: "密码已锁定", EN: "PIN locked"},
    CardStatus.CANCELLED: {ZH: "已注销", EN: "cancelled"},
    CardStatus.EXPIRED: {ZH: "已过有效期", EN: "expired"},
}

APPLICATION_STATUS: dict[str, Words] = {
    ApplicationStatus.SUBMITTED: {ZH: "已提交", EN: "submitted"},
    ApplicationStatus.RECEIPT_ISSUED: {ZH: "已出具补卡回执", EN: "given its receipt"},
    ApplicationStatus.BANK_ACCEPTED: {ZH: "银行已受理", EN: "accepted by the bank"},
    ApplicationStatus.IN_PRODUCTION: {ZH: "制卡中", EN: "in production"},
    ApplicationStatus.PRODUCTION_FAILED: {
        ZH: "制卡失败，将重新制卡",
        EN: "held up: the card could not be made and is being made again",
    },
    ApplicationStatus.READY_FOR_COLLECTION: {ZH: "新卡已可领取", EN: "ready for collection"},
    ApplicationStatus.MAILED: {ZH: "新卡已寄出", EN: "mailed"},
    ApplicationStatus.COLLECTED: {ZH: "新卡已领取", EN: "collected"},
    ApplicationStatus.LAPSED: {ZH: "逾期未领，已失效", EN: "lapsed, as it was not collected"},
    ApplicationStatus.CANCELLED: {ZH: "已撤销", EN: "cancelled"},
}

# The refusals a caller can meet in the menu; any other reads as REFUSED.
REFUSALS: dict[str, Words] = {
    ErrorCode.CARD_NOT_REPORTABLE: {
        ZH: "这张卡目前不能办理临时挂失。",
        EN: "This card cannot be reported lost now.",
    },
    ErrorCode.GUARDIAN_REQUIRED: {
        ZH: "持卡人未满可独立办理的年龄，请由监护人办理。",
        EN: "The holder is too young to act alone: a guardian must report the card.",
    },
    ErrorCode.IDENTITY_CHECKS_EXHAUSTED: {
        ZH: "身份核验失败次数过多。",
        EN: "There have been too many failed checks of who you are.",
    },
    ErrorCode.NO_CARD: {ZH: "没有查到您的社保卡。", EN: "We have no card for you."},
    ErrorCode.POLICY_MISSING: {
        ZH: "您所在地区的社保卡规定尚未设置。",
        EN: "The card rules of your region are not set up yet.",
    },
}
REFUSED: Words = {
    ZH: "语音服务无法办理此项业务。",
    EN: "This cannot be done in the voice menu.",
}


def words(table: Mapping[str, Words], key: str, language: str) -> str:
    return table[key][language]


def prompt(key: str, language: str, **params: str) -> str:
    text = PROMPTS[key][language]
    return text % params if params else text


def refusal(code: str, language: str) -> str:
    return REFUSALS.get(code, REFUSED)[language]


def digit_by_digit(value: str) -> str:
    """A number read one character at a time: "440106" -> "4 4 0 1 0 6"."""
    return " ".join(value)


def spoken_date(day: dt.date, language: str) -> str:
    if language == ZH:
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {day:%B} {day.year}"
