"""Off-platform detectors: phone numbers, e-mails, URLs, handles, apps, payment channels."""

from __future__ import annotations

import re

import phonenumbers

from msgrisk.labels import OFF_PLATFORM, SUSPICIOUS
from msgrisk.rules.spans import Found, Rule, is_negated, rx, words

_DIGIT = re.compile(r"\d")
_PHONE_REGIONS = ("JM", "GB")
# Words that make a number a phone number even when libphonenumber calls it invalid.
_PHONE_CONTEXT = re.compile(
    r"\b(?:call|text|txt|phone|number|numba|no\.|cell|mobile|whatsapp|wa|reach|contact|"
    r"digits|ring|dial|hit me|tel|link me|holla|signal|telegram|viber|sms)\b"
)
# Words that make a number an id, a price or a date instead.
_ID_CONTEXT = re.compile(
    r"(?:\b(?:order|tracking|track|waybill|invoice|ref|reference|receipt|awb|dhl|fedex|ups|"
    r"usps|parcel|package|shipment|id|sku|item|case|ticket|claim|dispute|jmd|usd|jd|price|"
    r"total|cost|paid|amount|bill|account|acct|trn|postcode|zip|serial|imei|model)\b|[#$€£])"
    r"[\w\s#:.\-]{0,12}$"
)


def _digit_count(text: str) -> int:
    return len(_DIGIT.findall(text))


def _phone_ok(text: str, start: int, end: int, valid: bool) -> bool:
    """Reject numbers glued to letters (ids), prices and ids by context; keep real phones."""
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return False
    if start > 1 and text[start - 1] in "-#/" and text[start - 2].isalnum():
        return False
    if end < len(text) and (text[end].isalnum() or text[end : end + 1] in ("_",)):
        return False
    if re.match(r"[.,]\d", text[end : end + 2]):
        return False
    before = text[max(0, start - 30) : start]
    phone_ctx = _PHONE_CONTEXT.search(text, max(0, start - 40), min(len(text), end + 25))
    if _ID_CONTEXT.search(before) and not phone_ctx:
        return False
    return valid or bool(phone_ctx)


def find_phones(text: str, found: Found) -> None:
    """Phone numbers libphonenumber recognises (JM default; NANP covers US/CA; GB)."""
    if _digit_count(text) < 7:
        return
    seen: set[tuple[int, int]] = set()
    for region in _PHONE_REGIONS:
        if region == "GB" and "+44" not in text and not re.search(r"(?<!\d)0\d{3}", text):
            continue
        matcher = phonenumbers.PhoneNumberMatcher(
            text, region, leniency=phonenumbers.Leniency.POSSIBLE, max_tries=50
        )
        for match in matcher:
            span = (match.start, match.end)
            if span in seen:
                continue
            seen.add(span)
            valid = phonenumbers.is_valid_number(match.number)
            if _phone_ok(text, match.start, match.end, valid):
                found.add(match.start, match.end, OFF_PLATFORM, "phone_number", "phone")


_OFFICIAL = re.compile(r"(?:^|\.)(?:kingstonexpress\.com(?:\.jm)?|kx\.com\.jm)$")
_SHORTENERS = re.compile(
    r"^(?:www\.)?(?:bit\.ly|tinyurl\.com|cutt\.ly|t\.co|goo\.gl|ow\.ly|is\.gd|rb\.gy|"
    r"shorturl\.at|tiny\.cc|rebrand\.ly|s\.id|bl\.ink|buff\.ly|t\.ly|v\.gd|short\.io)$"
)
_LOOKALIKE = re.compile(r"kingston|(?:^|[.\-])kx(?:[.\-]|$)|k-x|kxpress|kexpress")
_PHISHY = re.compile(
    r"login|verify|secure|account|update|support|claim|prize|refund|gift|wallet|confirm|"
    r"bonus|reward|billing|unlock|auth"
)
_EMAIL = rx(
    r"(?<![a-z0-9._%+\-])[a-z0-9][a-z0-9._%+\-]{0,63}@[a-z0-9\-]{1,63}"
    r"(?:\.[a-z0-9\-]{1,63}){0,4}\.[a-z]{2,12}\b"
)
_TLDS = (
    r"com|net|org|ly|io|co|jm|me|info|biz|xyz|top|site|online|shop|store|link|app|gl|cc|"
    r"tk|ml|ga|cf|gq|click|live|support|at|id|gd|page|vip|club|uk|us|ca"
)
_URL = rx(
    r"(?:https?://|www\.)[^\s<>\"'()\[\]]{1,200}"
    rf"|(?<![a-z0-9@.\-])(?:[a-z0-9](?:[a-z0-9\-]{{0,62}})\.){{1,4}}(?:{_TLDS})\b"
    r"(?:/[^\s<>\"'()\[\]]{0,200})?"
)
_HOST = re.compile(r"^(?:https?://)?([^/?#:\s]+)")


def find_emails_urls(text: str, found: Found) -> None:
    """E-mail addresses and links; shorteners and KX look-alikes also count as suspicious."""
    email_spans: list[tuple[int, int]] = []
    if "@" in text:
        for m in _EMAIL.finditer(text):
            domain = m.group(0).rsplit("@", 1)[1]
            if not _OFFICIAL.search(domain):
                found.add(m.start(), m.end(), OFF_PLATFORM, "email", "email")
            email_spans.append(m.span())
    if "." not in text:
        return
    for m in _URL.finditer(text):
        if any(s <= m.start() < e for s, e in email_spans):
            continue
        url = m.group(0).rstrip(".,!?:;")
        end = m.start() + len(url)
        host_m = _HOST.match(url)
        host = host_m.group(1) if host_m else url
        if _OFFICIAL.search(host) or re.fullmatch(r"[\d.]+", host):
            continue
        found.add(m.start(), end, OFF_PLATFORM, "url", "url")
        if _SHORTENERS.match(host):
            found.add(m.start(), end, SUSPICIOUS, "url_shortener", "url_short")
        elif _LOOKALIKE.search(host) or (_PHISHY.search(host) and host.count("-") >= 1):
            found.add(m.start(), end, SUSPICIOUS, "url_lookalike", "url_lookalike")


_HANDLE = rx(r"(?<![a-z0-9._%+\-@])@([a-z_][a-z0-9_.]{1,29}[a-z0-9_])(?![a-z0-9@]|\.[a-z])")
_LABELLED_HANDLE = rx(
    r"\b(?:ig|insta|instagram|snap|snapchat|sc|tiktok|tg|telegram|twitter|fb|facebook|"
    r"handle|username|user ?name)\b(?:\s*(?:is|name|handle|id)){0,2}\s*[:=\-]?\s*@?"
    r"(?P<h>(?=[a-z0-9_.]*[0-9_.])[a-z0-9_][a-z0-9_.]{2,29})\b"
)


def find_handles(text: str, found: Found) -> None:
    """Social handles: ``@name`` and ``IG: name`` / ``my snap is name_22``."""
    if "@" in text:
        for m in _HANDLE.finditer(text):
            if re.fullmatch(r"\d{1,2}(?:am|pm)?|here|home|once|all|everyone", m.group(1)):
                continue
            if not is_negated(text, m.start(), m.end()):
                found.add(m.start(), m.end(), OFF_PLATFORM, "social_handle", "handle")
    for m in _LABELLED_HANDLE.finditer(text):
        if not is_negated(text, m.start(), m.end()):
            found.add(m.start("h"), m.end("h"), OFF_PLATFORM, "social_handle", "handle")


_APP = words(
    r"what'?s?\s?-?ap+s?", r"wh?ats?ap+", r"wass?ap+", r"whts?ap+", r"wa\.me", r"whatsapp",
    r"tele?gram", r"t\.me", r"(?:on|via|through|over|use|add me on)\s+signal",
    r"signal\s+(?:me|app|messenger)", r"ig", r"insta(?:gram)?", r"fb", r"facebook",
    r"messenger", r"snapchat", r"snap(?=\s*(?:me|[:@]|is|name))", r"on snap", r"the green app",
    r"green app", r"viber", r"imo", r"wechat", r"tiktok", r"twitter", r"line app", r"kik",
)
_CONTACT = words(
    r"(?:text|txt|call|ring|phone|buzz|holla|hit|link|sms|dial|reach|contact)\s+(?:me|mi)"
    r"(?:\s+(?:up|on|at|pon|directly|privately|outside))?"
    r"(?!\s+(?:here|in here|on here|in the app|through|via|on (?:the |this )?(?:app|platform|"
    r"site|kx|kingston)))",
    r"my (?:personal |cell |mobile |phone |whatsapp |wa )?(?:number|numba|digits|cell|email|"
    r"e-mail|contact|line)",
    r"(?:your|ur|yuh|yu) (?:personal |cell |mobile |phone |whatsapp |wa |private )?"
    r"(?:number|numba|digits|cell|email|e-mail|contact(?: info| details| number)?)",
    r"(?:email|e-mail|mail) me", r"(?:gmail|yahoo|hotmail|outlook|icloud)(?:\.com)?",
    r"(?:off|outside)(?: of)? (?:the |this )?(?:app|platform|site|website|kx|kingston express)",
    r"(?:chat|talk|deal|continue|discuss) (?:privately|directly|in private|elsewhere)",
    r"private (?:chat|message|convo)", r"dm me", r"inbox me",
)
_PAYMENT = words(
    r"cash\s?app", r"zelle", r"lynk", r"venmo", r"paypal\s*(?:f\s*&\s*f|ff|friends?)",
    r"f\s?&\s?f", r"friends?\s*(?:and|&|n)\s*family", r"paypal(?:\.me)?", r"western union",
    r"moneygram", r"remitly", r"wire (?:transfer|it|the money|me|the payment)",
    r"(?:bank|direct|account|wire|online)[\s-](?:transfer|deposit|payment)",
    r"(?:transfer|send|deposit|wire|pay) (?:it |the money |the funds |the payment |the cash |"
    r"me )?(?:directly |straight )?(?:to|into|in|inna) (?:my|mi) (?:\w+ )?(?:account|acct|"
    r"bank|wallet|card)",
    r"ncb", r"scotia(?:bank)?", r"jn bank", r"jn", r"sagicor", r"jmmb", r"cibc", r"first global",
    r"bitcoin", r"btc", r"usdt", r"tether", r"crypto(?:currency)?", r"ethereum", r"binance",
    r"(?:crypto |btc |bitcoin )?wallet address",
    r"(?:pay|paying|payment)(?: me| you)?(?: in)? cash", r"cash (?:on|at|when) (?:meet|pick)\w*",
    r"meet ?up", r"link up", r"skip (?:the )?(?:app|platform|fees?|site)",
    r"(?:avoid|save|dodge|no) (?:on )?(?:the |kx |platform )?(?:fees?|commission)",
    r"pay (?:me )?(?:directly|direct|outside)", r"refund (?:you )?(?:directly|outside|off)",
)
_GIFT = words(r"(?:gift|itunes|apple|google play|steam|amazon|visa)\s?cards?")
_PAY_CUE = re.compile(r"\b(?:pay|paid|buy|send|code|codes|purchase|payment|get me)\b")

CONTACT_RULES: tuple[Rule, ...] = (
    Rule("messaging_app", OFF_PLATFORM, "app", rx(_APP)),
    Rule("contact_request", OFF_PLATFORM, "contact", rx(_CONTACT)),
    Rule("payment_channel", OFF_PLATFORM, "payment", rx(_PAYMENT)),
    Rule("gift_card", SUSPICIOUS, "gift_card", rx(_GIFT), triggers=("card",), needs=_PAY_CUE,
         needs_anywhere=True),
)


def find_contact(text: str, found: Found) -> None:
    """Run every off-platform detector on the normalised text."""
    find_phones(text, found)
    find_emails_urls(text, found)
    find_handles(text, found)
    for rule in CONTACT_RULES:
        rule.run(text, found)
