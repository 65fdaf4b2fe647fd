"""Off-platform detectors: phone numbers, e-mails, URLs, handles, apps, payment channels."""

from __future__ import annotations

import re

import phonenumbers

from msgrisk.labels import OFF_PLATFORM, SUSPICIOUS
from msgrisk.rules.prefilter import ALL, DETECTORS, rule_gates
from msgrisk.rules.spans import Found, Rule, clause_before, is_negated, rx, words

_DIGIT = re.compile(r"\d")
_PHONE_REGIONS = ("JM", "GB")
# Words that make a number a phone number even when libphonenumber calls it invalid.
_PHONE_CONTEXT = re.compile(
    r"\b(?:call\w*|text\w*|txt|phone|number|numba|no\.|cell|mobile|whatsapp|wa|reach|contact|"
    r"digits|ring|dial|hit me|tel|link me|holla|signal|telegram|viber|sms)\b", re.IGNORECASE
)
# Words that make a number an id, a price or a date instead.


def _digit_count(text: str) -> int:
    return len(_DIGIT.findall(text))


_STRONG_PHONE_CONTEXT = re.compile(
    r"\b(?:call|text|txt|phone|cell|mobile|whatsapp|wa|reach|contact|digits|ring|dial|holla|"
    r"tel|sms|signal|telegram|viber)\b", re.IGNORECASE
)
_ID_WORD = re.compile(
    r"\b(?:order|tracking|track|waybill|invoice|ref|reference|receipt|awb|dhl|fedex|ups|usps|"
    r"parcel|package|shipment|id|sku|item|case|ticket|claim|dispute|jmd|usd|jd|price|total|cost|"
    r"paid|amount|bill|account|acct|trn|postcode|zip|serial|imei|model|confirmation|transaction|"
    r"code|listing|product|part|batch|lot|voucher|coupon)"
    r"\b|[#$€£]", re.IGNORECASE  # case-blind: libphonenumber also reads the raw text
)


# What may sit between an id word and its number: "tracking number is", "receipt #",
# "tracking says JM ..." (a postal country or carrier prefix before the digits).
_ID_GAP = re.compile(  # not across a sentence end: "this kind of order. 876-290-4418"
    r"^(?![.!?]\s)[\s#:=.\-]*(?:(?:number|numer|no|num|is|was|of|id|code|ref|for|nr|says|shows|reads|"
    r"dice|es|n[uú]mero)\b[\s#:=.\-]*)*"
    r"(?:(?:jm|us|cn|gb|uk|ca|rr|ee|lp|ly|lx|ua|cp|rb|rs|ec)[\s#:=.\-]*)?$", re.IGNORECASE
)


def _phone_ok(text: str, start: int, end: int, valid: bool) -> bool:
    """Reject numbers glued to letters (ids), prices and ids by context; keep real phones."""
    if start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
        return False
    if start > 1 and text[start - 1] in "-#/" and text[start - 2].isalnum():
        return False
    if end < len(text) and (text[end].isalnum() or text[end] == "_"):
        return False
    if re.match(r"[.,]\d", text[end : end + 2]):
        return False
    lo = max(0, start - 40)
    ids = list(_ID_WORD.finditer(text, lo, start))
    if ids:
        gap = text[ids[-1].end() : start]
        if _ID_GAP.match(gap) or (not valid and not _STRONG_PHONE_CONTEXT.search(gap)):
            return False  # "tracking number is 2744181929", "case number from KX is 5550142876"
    return valid or bool(_PHONE_CONTEXT.search(text, lo, min(len(text), end + 25)))


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
    r"tk|ml|ga|cf|gq|click|live|support|at|id|gd|page|vip|club|uk|us|ca|ee|tv|gg|to|ws|bio|ai|gy|"
    r"help|cc"
)
_URL = rx(
    r"(?:https?://|www\.)[^\s<>\"'()\[\]]{1,200}"
    rf"|(?<![a-z0-9@.\-])(?:[a-z0-9](?:[a-z0-9\-]{{0,62}})\.){{1,4}}(?:{_TLDS})\b"
    r"(?:/[^\s<>\"'()\[\]]{0,200})?"
)
_REPORTING = re.compile(
    r"\b(?:got|received|get|getting) (?:a|an|this|the) (?:text|message|sms|email|e-mail|link|dm)\b"
    r"|didn'?t click|did not click|is (?:this|that|it) (?:legit|real|you)|not (?:you|u|yuh), right"
    r"|(?:is|was) (?:this|that) (?:from )?(?:you|kx)\b|reported (?:it|this|the link)"
)
_HOST = re.compile(r"^(?:https?://)?([^/?#:\s]+)")
_URL_GATE = DETECTORS.add_pattern(_URL)


def find_emails_urls(text: str, found: Found, mask: int = ALL) -> None:
    """E-mail addresses and links; shorteners and KX look-alikes also count as suspicious.

    ``mask``: the text's :data:`~msgrisk.rules.prefilter.DETECTORS` scan (skips the URL
    regex when none of its literals occurs; the default runs everything)."""
    email_spans: list[tuple[int, int]] = []
    if "@" in text:
        for m in _EMAIL.finditer(text):
            domain = m.group(0).rsplit("@", 1)[1]
            if not _OFFICIAL.search(domain):
                found.add(m.start(), m.end(), OFF_PLATFORM, "email", "email")
            email_spans.append(m.span())
    if "." not in text or not _URL_GATE.allows(mask):
        return
    reporting: bool | None = None
    for m in _URL.finditer(text):
        if any(s <= m.start() < e for s, e in email_spans):
            continue
        url = m.group(0).rstrip(".,!?:;")
        end = m.start() + len(url)
        host_m = _HOST.match(url)
        host = host_m.group(1) if host_m else url
        if _OFFICIAL.search(host) or re.fullmatch(r"[\d.]+", host):
            continue
        # Phishing links are suspicious, not a move off-platform; other outside links are.
        # Someone reporting a phishing text they received is neither.
        if reporting is None:
            reporting = bool(_REPORTING.search(text))
        if reporting and (_SHORTENERS.match(host) or _LOOKALIKE.search(host) or _PHISHY.search(host)):
            continue
        if _SHORTENERS.match(host):
            found.add(m.start(), end, SUSPICIOUS, "url_shortener", "url_short")
        elif _LOOKALIKE.search(host) or _PHISHY.search(host):
            found.add(m.start(), end, SUSPICIOUS, "url_lookalike", "url_lookalike")
        else:
            found.add(m.start(), end, OFF_PLATFORM, "url", "url")


_HANDLE = rx(r"(?<![a-z0-9._%+\-@])@([a-z_][a-z0-9_.]{1,29}[a-z0-9_])(?![a-z0-9@]|\.[a-z])")
_LABELLED_HANDLE = rx(
    r"\b(?:ig|insta|instagram|snap|snapchat|sc|tiktok|tg|telegram|twitter|fb|facebook|"
    r"handle|username|user ?name)\b(?:\s*(?:is|name|handle|id)){0,2}\s*(?:[:=]|is)\s*@?"
    r"(?P<h>(?=[a-z0-9_.]*[0-9_])[a-z0-9_](?:[a-z0-9_.]{1,28}[a-z0-9_]))\b"
)


_LABELLED_HANDLE_GATE = DETECTORS.add_pattern(_LABELLED_HANDLE)


def find_handles(text: str, found: Found, mask: int = ALL) -> None:
    """Social handles: ``@name`` and ``IG: name`` / ``my snap is name_22``."""
    if "@" in text:
        for m in _HANDLE.finditer(text):
            if re.fullmatch(r"\d{1,2}(?:am|pm)?|here|home|once|all|everyone", m.group(1)):
                continue
            if not is_negated(text, m.start(), m.end()):
                found.add(m.start(), m.end(), OFF_PLATFORM, "social_handle", "handle")
    if not _LABELLED_HANDLE_GATE.allows(mask):
        return
    for m in _LABELLED_HANDLE.finditer(text):
        if not is_negated(text, m.start(), m.end()):
            found.add(m.start("h"), m.end("h"), OFF_PLATFORM, "social_handle", "handle")


_APP = words(
    r"what'?s?\s?-?ap+s?", r"wh?ats?ap+", r"wass?ap+", r"whts?ap+", r"wa\.me", r"whatsapp", r"wsp",
    r"w@", r"wa", r"tele?gram", r"t\.me", r"tg", r"signal", r"[i1]g", r"insta(?:gram)?", r"fb",
    r"facebook", r"messenger", r"snapchat", r"snap", r"viber", r"imo", r"wechat", r"tiktok",
    r"twitter", r"line app", r"kik", r"imessage", r"sms", r"dm", r"dms", r"inbox", r"text", r"tele",
)
# Euphemisms that only ever mean an outside messenger.
_APP_ALWAYS = words(r"(?:the )?gr[e3]{2}n app", r"dubl?-?u app", r"double-?u app", r"blue app",
                    r"di green app")
# An invitation near the app name: "message me on", "add me on", "are you on", "my IG is".
_INVITE_BEFORE = re.compile(
    r"\b(?:text|txt|message|msg|chat|contact|reach|add|hit|holla|link|talk|dm|inbox|call|write|"
    r"ping|buzz|send|sen|pm|move|switch|continue|go|come|find me|follow|catch|reply|answer|check|"
    r"pay|paying|drop|hmu|slide|let'?s|lets|via|you have|u have|do you|you got|u got|yuh have|"
    r"are you on|r u on|you on|yuh deh|deh pon|use|using|contact me|get me|reach me|"
    r"over to|over on|instead|rather|better)\b"
)
_INVITE_AFTER = re.compile(
    r"^\s*(?:(?:me|mi|us|number|no|handle|id|name|is|instead|rather|better|easier|faster|"
    r"quicker)\b|\?|:|#|\+?\d|@)"
)
# "a WhatsApp group", "the ad on Instagram", "my WhatsApp was blowing up": a mention, not a move.
_NOT_INVITE_AFTER = re.compile(
    r"^\s*(?:g(?:ro?u?p|orup|rup|roup)s?|status|story|stories|posts?|page|video|ads?|marketplace|was|were|has been|"
    r"is (?:down|broken|full|blowing|not working))\b"
)
_STRICT_BEFORE = re.compile(
    r"\b(?:on|via|pon|over|to my|my|mi|your|yuh|ur|have|got|use|using|to)\s+$"
)
_APP_RX = re.compile(_APP)
_APP_ALWAYS_RX = re.compile(_APP_ALWAYS)
_STRICT_APPS = re.compile(r"^(?:dm|dms|inbox|text|sms|wa|snap|signal|tg|line app)$")
_APP_GATE = DETECTORS.add_pattern(_APP_RX)
_APP_ALWAYS_GATE = DETECTORS.add_pattern(_APP_ALWAYS_RX)


def find_apps(text: str, found: Found, mask: int = ALL) -> None:
    """An outside messenger named with an invitation ("add me on IG"), not merely mentioned."""
    if _APP_ALWAYS_GATE.allows(mask):
        for m in _APP_ALWAYS_RX.finditer(text):
            if not is_negated(text, m.start(), m.end()):
                found.add(m.start(), m.end(), OFF_PLATFORM, "messaging_app", "app")
    if not _APP_GATE.allows(mask):
        return
    for m in _APP_RX.finditer(text):
        name = m.group(0)
        before = clause_before(text, m.start(), 45)
        after = text[m.end() : m.end() + 20]
        invited = bool(_INVITE_BEFORE.search(before) or _INVITE_AFTER.match(after))
        if _NOT_INVITE_AFTER.match(after):
            continue
        if _STRICT_APPS.match(name):
            # Generic words need "on/via/pon <app>" after an invitation verb, or "<app> me".
            invited = bool(re.match(r"^\s*(?:me|mi)\b|^\s*[.!]\s*now", after)) or (
                invited and bool(_STRICT_BEFORE.search(before)))
        if not invited:
            continue
        if is_negated(text, m.start(), m.end()):
            found.negate("app")
            continue
        found.add(m.start(), m.end(), OFF_PLATFORM, "messaging_app", "app")


_CONTACT = words(
    r"(?:text|txt|call|ring|phone|buzz|holla|hit|link|sms|dial|reach|contact|ping|msg|message|"
    r"holla at|drop)\s+(?:me|mi)(?:\s+(?:a (?:message|line|text)\s+)?(?:up\s+)?(?:on|at|pon|via|"
    r"directly|privately|outside|direct))"
    r"(?!\s+(?:here|in here|on here|in the app|through|via the|on (?:the |this )?(?:app|platform|"
    r"site|kx|kingston)))",
    r"(?:text|call|ring|phone|buzz|holla at|hit) (?:me|mi)(?= up\b|\s*[,.!]|\s*$)",
    r"(?:what|which|wat|wah) (?:number|numba|email) (?:can|do|should) i",
    r"(?:is there|got|have) a (?:number|phone number|cell|email)",
    r"(?:give|send|drop|share|text|tell|leave|pass) (?:me |mi )?(?:a |your |ur |yr |yuh |yu )?"
    r"(?:personal |cell |mobile |phone |whatsapp |private )?(?:number|numba|digits|cell|email|"
    r"e-mail|contact(?: info| details| number)?)(?: to| so| and|\b)"
    r"(?!\s+(?:and|&|n|\+)\s+(?:password|pin|passcode|login))",
    r"(?:what'?s|whats|wats|wat|wah|wha|what is) (?:your|ur|yr|yuh|yu) (?:personal |cell |mobile |"
    r"phone |whatsapp )?(?:number|numba|digits|cell|email|e-mail|contact)",
    r"(?:what'?s|whats|wats|wat|what is) (?:the |a )?(?:best|good) (?:number|cell|contact) "
    r"(?:to (?:reach|call|text|contact) (?:you|u|yuh)|for (?:you|u|yuh))",
    r"how (?:do|can|could|should) i (?:reach|contact|call|text|find) (?:you|u|yuh)",
    r"my (?:personal |cell |mobile |phone |whatsapp |wa )?(?:number|numba|digits|cell|email|"
    r"e-mail|contact|line)(?:\s+(?:is|:|=)|\s*[:=]|\s+\+?\d)",
    r"(?:email|e-mail|mail) me", r"(?:gmail|yahoo|hotmail|outlook|icloud)(?:\.com)?",
    r"(?:off|outside)(?: of)? (?:the |this )?(?:app|platform|site|website|kx|kingston express)",
    r"(?:chat|talk|deal|continue|discuss) (?:privately|directly|in private|elsewhere)",
    r"private (?:chat|message|convo)", r"not through (?:here|the app|kx|the platform)",
    r"(?:come|sell|buy|order) (?:to|from) me (?:direct|directly|straight)",
    r"(?:buy|order|purchase) (?:straight|direct|directly) from me", r"skip (?:kx|the app|the platform)",
    r"why pay (?:the )?(?:platform|kx|app|fees?)", r"no need for (?:kx|the app|the platform|here)",
    r"(?:get|have|need|want) (?:your|ur|yr|yuh) (?:personal |cell |mobile |phone |whatsapp |"
    r"private |direct )?(?:number|numba|#|digits|cell|contact|email)",
    r"(?:gimme|gi mi|give me|send me|sen mi|drop me|pass me) (?:your|ur|yr|yuh|yu) (?:whatsapp|wa|"
    r"ig|insta|instagram|telegram|snap|snapchat|facebook|fb|number|numba|digits|email|contact)",
    r"(?:what'?s|whats|wat|wah) (?:ur|your|yr|yuh) #", r"(?:pasas|das|dame|envíame) tu n[uú]mero",
    r"n[uú]mero de tel[eé]fono", r"(?:buy|order|get) (?:it |them )?from \S+ instead",
    r"cheaper (?:dan|than) (?:yah|here|on here|di app|the app)", r"the app charges",
    r"(?:don'?t|dont) bother with the app", r"(?:comprar|compramos|compra) directo",
    r"(?:ahorr\w+|sin) (?:la )?comisi[oó]n", r"what'?s (?:ur|your|yr) name on (?:there|dere|it)", r"(?:kx|they|the platform|the app) (?:taking|take|takes) "
    r"(?:their|a|its) (?:cut|fee)",
)
_PAYMENT = words(
    r"cash\s?app", r"zelle", r"lynk", r"venmo", r"quisk", r"bill express", r"jn money",
    r"apple pay", r"google pay", r"paypal\s*(?:f\s*&\s*f|ff|friends?)",
    r"(?:pp )?f\s?(?:&|n|and)\s?f", r"friends?\s*(?:and|&|n)\s*family", r"paypal(?:\.me)?",
    r"western union", r"moneygram", r"remitly", r"wire (?:transfer|it|the money|me|the payment)",
    r"(?:bank|direct|account|wire|online)[\s-](?:transfer|deposit|payment)",
    r"(?:transfer|send|deposit|wire|pay|sen) (?:it |the money |the funds |the payment |the cash |"
    r"me |mi )?(?:directly |straight )?(?:to|into|in|inna) (?:my|mi|your|yr|ur|yuh) (?:\w+ )?"
    r"(?:account|acct|bank|wallet|card)",
    r"(?:ncb|scotia(?:bank)?|jn bank|jn|sagicor|jmmb|cibc|first global(?: bank)?)"
    r"(?!\s+(?:bank\s+)?(?:username|user|password|login|pin|details|online|account number|app "
    r"login|credentials|card))",
    r"bitcoin", r"btc", r"usdt", r"tether", r"crypto(?:currency)?", r"ethereum", r"binance",
    r"(?:crypto |btc |bitcoin )?wallet address",
    r"(?:pay|paying|paid|payment|give|bring|bing|take|send|sen|refund\w*|hand)(?: \w+){0,3}? "
    r"(?:in |by |on |wid |with |pon )?(?:the |di )?cash\b",
    r"cash (?:on|at|when) (?:meet|pick)\w*", r"(?:with|wid) (?:the|di) (?:cash|money)",
    r"cash (?:on|in) hand",
    r"meet ?-?up", r"meet me", r"link up", r"hand it (?:to|2) (?:you|yu|u)", r"cash me",
    r"come (?:for|fi) it\b[^.!?]{0,30}\bcash", r"(?:bring|brng|deliver|drop) it (?:personally|"
    r"personaly|myself|to you myself)", r"cash\s?app (?:you|u|yuh|it)",
    r"skip (?:the )?(?:app|platform|fees?|site)",
    r"(?:avoid|save|dodge|no) (?:on )?(?:the |kx |platform |app )?(?:fees?|commission|cut)",
    r"(?:app|platform|kx) fees?", r"pay (?:me )?(?:directly|direct|outside)",
    r"refund (?:you )?(?:directly|outside|off)", r"straight to (?:your|my|yr|ur) account",
)
_GIFT = words(r"(?:gift|itunes|apple|google play|steam|amazon|visa)\s?cards?")
_PAY_CUE = re.compile(r"\b(?:pay|paid|buy|send|code|codes|purchase|payment|get me)\b")

# "the courier will call me": someone else is the caller.
_THIRD_PARTY = re.compile(
    r"\b(?:cour\w*|driver|rider|dispatch\w*|delivery (?:guy|man|person)|they|dem|he|she|kx|"
    r"support|agent|bank|customs)\b[^,;]*$"
)

CONTACT_RULES: tuple[Rule, ...] = (
    Rule("contact_request", OFF_PLATFORM, "contact", rx(_CONTACT), veto_before=_THIRD_PARTY),
    Rule("payment_channel", OFF_PLATFORM, "payment", rx(_PAYMENT)),
    Rule("gift_card", SUSPICIOUS, "gift_card", rx(_GIFT), triggers=("card",), needs=_PAY_CUE,
         needs_anywhere=True),
)


_CONTACT_GATES = rule_gates(CONTACT_RULES)


def find_contact(text: str, found: Found, mask: int = ALL) -> None:
    """Run every off-platform detector on the normalised text.

    ``mask``: ``DETECTORS.scan(text)``, to skip the regexes that cannot match (the
    default, :data:`~msgrisk.rules.prefilter.ALL`, runs every one)."""
    find_phones(text, found)
    find_emails_urls(text, found, mask)
    find_handles(text, found, mask)
    find_apps(text, found, mask)
    for rule, gates in zip(CONTACT_RULES, _CONTACT_GATES, strict=True):
        if gates.allows(mask):
            rule.run(text, found)
