"""The labeling functions.  Each is high precision; coverage comes from their union.

Order here is registry order (and vote-matrix column order).  Bump ``version`` when
an LF's logic changes.
"""

from __future__ import annotations

import re

from msgrisk.labels import AGGRESSIVE, OFF_PLATFORM, PROMISE, SUSPICIOUS
from msgrisk.rules.parsed import ParsedMessage
from msgrisk.rules.registry import labeling_function


def _spans_match(msg: ParsedMessage, kind: str, pattern: re.Pattern[str]) -> bool:
    """A span of ``kind`` whose normalised text matches ``pattern``."""
    return any(span.kind == kind and pattern.search(span.normalized) for span in msg.spans)


_WHATSAPP = re.compile(r"wh?at?s?'?\s?-?ap|wass?ap|whtsap|wa\.me|\bwa\b|\bwsp\b|\bw@|dubl|double")
_TELEGRAM = re.compile(r"tele|t\.me|signal|\btg\b")
_SOCIAL = re.compile(
    r"\b(?:[i1]g|insta|fb|facebook|messenger|snap|tiktok|twitter|dms?|inbox)|instagram"
)
_OTHER_APP = re.compile(r"green|gr33n|viber|imo|wechat|kik|line|imessage|sms|text|blue")
_CALL_TEXT = re.compile(
    r"\b(?:text|txt|call|ring|phone|buzz|holla|hit|link|sms|dial|reach|message|msg|ping|drop)\b"
)
_MY_YOUR = re.compile(
    r"\b(?:my|your|ur|yuh|yu|number|numba|digits|email|e-mail|cell|contact|n[uú]mero)\b|#"
)
_PROVIDER = re.compile(r"gmail|yahoo|hotmail|outlook|icloud|e-?mail|mail me")
_LEAVE = re.compile(
    r"off|outside|private|direct|elsewhere|dm|inbox|through|skip|why pay|cut|straight|reach|which|"
    r"what|is there|got a|have a|no need|instead|cheaper|charges|bother|comisi|name on"
)
_PAY_APP = re.compile(
    r"cash\s?app|zelle|lynk|venmo|paypal|f\s?(?:&|n|and)\s?f|friends|western|moneygram|remit|quisk|"
    r"bill express|jn money|apple pay|google pay"
)
_BANK = re.compile(r"bank|ncb|scotia|jn|sagicor|jmmb|cibc|global|transfer|deposit|wire|account|acct")
_CRYPTO = re.compile(r"bitcoin|btc|usdt|tether|crypto|ethereum|binance|wallet")
_MEETUP = re.compile(r"meet|link up|\bcash\b(?!\s?app)|come|hand it|money")
_FEES = re.compile(r"skip|fee|commission|direct|outside|off|cut|straight")


# --- off_platform -------------------------------------------------------------------------


@labeling_function(label=OFF_PLATFORM, version=1)
def shares_phone_number(msg: ParsedMessage) -> bool:
    """A phone number libphonenumber accepts, outside order/tracking ids and prices."""
    return msg.has("phone")


@labeling_function(label=OFF_PLATFORM, version=1)
def shares_email(msg: ParsedMessage) -> bool:
    """An e-mail address (also "john dot brown at gmail dot com")."""
    return msg.has("email")


@labeling_function(label=OFF_PLATFORM, version=1)
def shares_social_handle(msg: ParsedMessage) -> bool:
    """An @handle or "IG: name"."""
    return msg.has("handle")


@labeling_function(label=OFF_PLATFORM, version=1)
def invites_whatsapp(msg: ParsedMessage) -> bool:
    """WhatsApp named and not negated ("I don't use WhatsApp" abstains)."""
    return _spans_match(msg, "app", _WHATSAPP)


@labeling_function(label=OFF_PLATFORM, version=1)
def invites_telegram_or_signal(msg: ParsedMessage) -> bool:
    """Telegram or Signal named and not negated."""
    return _spans_match(msg, "app", _TELEGRAM)


@labeling_function(label=OFF_PLATFORM, version=1)
def invites_social_network(msg: ParsedMessage) -> bool:
    """Instagram, Facebook/Messenger, Snapchat, TikTok or Twitter named and not negated."""
    return _spans_match(msg, "app", _SOCIAL)


@labeling_function(label=OFF_PLATFORM, version=1)
def invites_other_messenger(msg: ParsedMessage) -> bool:
    """"The green app", Viber, IMO, WeChat, Kik."""
    return _spans_match(msg, "app", _OTHER_APP)


@labeling_function(label=OFF_PLATFORM, version=1)
def asks_to_call_or_text(msg: ParsedMessage) -> bool:
    """"Call me", "text me at", "hit me up"."""
    return _spans_match(msg, "contact", _CALL_TEXT)


@labeling_function(label=OFF_PLATFORM, version=1)
def exchanges_contact_details(msg: ParsedMessage) -> bool:
    """"My number is", "send me your email", "what's your cell"."""
    return _spans_match(msg, "contact", _MY_YOUR)


@labeling_function(label=OFF_PLATFORM, version=1)
def mentions_personal_email(msg: ParsedMessage) -> bool:
    """A personal mail provider or "email me"."""
    return _spans_match(msg, "contact", _PROVIDER)


@labeling_function(label=OFF_PLATFORM, version=1)
def moves_chat_off_platform(msg: ParsedMessage) -> bool:
    """"Outside the app", "chat privately", "DM me"."""
    return _spans_match(msg, "contact", _LEAVE)


@labeling_function(label=OFF_PLATFORM, version=1)
def pays_by_payment_app(msg: ParsedMessage) -> bool:
    """CashApp, Zelle, Lynk, Venmo, PayPal (friends & family), remittance services."""
    return _spans_match(msg, "payment", _PAY_APP)


@labeling_function(label=OFF_PLATFORM, version=1)
def pays_by_bank_transfer(msg: ParsedMessage) -> bool:
    """Direct bank transfer or deposit, NCB/Scotia/JN/Sagicor named."""
    return _spans_match(msg, "payment", _BANK)


@labeling_function(label=OFF_PLATFORM, version=1)
def pays_by_crypto(msg: ParsedMessage) -> bool:
    """Bitcoin, USDT, crypto wallets (a seed-phrase request is a scam, not a payment)."""
    return _spans_match(msg, "payment", _CRYPTO) and not msg.has("secret_password")


@labeling_function(label=OFF_PLATFORM, version=1)
def pays_cash_on_meetup(msg: ParsedMessage) -> bool:
    """Cash on a meet-up instead of platform delivery."""
    return _spans_match(msg, "payment", _MEETUP)


@labeling_function(label=OFF_PLATFORM, version=1)
def avoids_platform_fees(msg: ParsedMessage) -> bool:
    """"Skip the platform", "save on fees", "pay me directly"."""
    return _spans_match(msg, "payment", _FEES)


@labeling_function(label=OFF_PLATFORM, version=1)
def links_outside_site(msg: ParsedMessage) -> bool:
    """A link to a non-Kingston-Express site."""
    return msg.has("url")


# --- suspicious ---------------------------------------------------------------------------


@labeling_function(label=SUSPICIOUS, version=1)
def asks_for_one_time_code(msg: ParsedMessage) -> bool:
    """Asks for an OTP / verification / one-time code."""
    return msg.has("secret_code")


@labeling_function(label=SUSPICIOUS, version=1)
def asks_for_password(msg: ParsedMessage) -> bool:
    """Asks for a password, PIN or login details."""
    return msg.has("secret_password")


@labeling_function(label=SUSPICIOUS, version=1)
def asks_for_card_details(msg: ParsedMessage) -> bool:
    """Asks for a card number, CVV or expiry date."""
    return msg.has("secret_card")


@labeling_function(label=SUSPICIOUS, version=1)
def asks_for_bank_details(msg: ParsedMessage) -> bool:
    """Asks for bank account details or online-banking login."""
    return msg.has("secret_bank")


@labeling_function(label=SUSPICIOUS, version=1)
def impersonates_kx_staff(msg: ParsedMessage) -> bool:
    """Claims to be the KX security/support/fraud team."""
    return msg.has("impersonation")


@labeling_function(label=SUSPICIOUS, version=1)
def threatens_account_suspension(msg: ParsedMessage) -> bool:
    """"Your account will be suspended/locked"."""
    return msg.has("account_threat")


@labeling_function(label=SUSPICIOUS, version=1)
def asks_to_verify_account(msg: ParsedMessage) -> bool:
    """"Verify/confirm your account/identity/payment details"."""
    return msg.has("verify")


@labeling_function(label=SUSPICIOUS, version=1)
def urgent_link_or_secret(msg: ParsedMessage) -> bool:
    """Fake urgency next to a link, a payment channel or a secret."""
    return msg.has("urgency") and msg.has("url", "payment", "gift_card", "verify")


@labeling_function(label=SUSPICIOUS, version=1)
def shortened_link(msg: ParsedMessage) -> bool:
    """bit.ly / tinyurl / cutt.ly and other shorteners hide the destination."""
    return msg.has("url_short")


@labeling_function(label=SUSPICIOUS, version=1)
def lookalike_domain(msg: ParsedMessage) -> bool:
    """A domain imitating Kingston Express or a login/verify page."""
    return msg.has("url_lookalike")


@labeling_function(label=SUSPICIOUS, version=1)
def prize_or_lottery_story(msg: ParsedMessage) -> bool:
    """"You have won", "claim your prize"."""
    return msg.has("prize")


@labeling_function(label=SUSPICIOUS, version=1)
def overpayment_story(msg: ParsedMessage) -> bool:
    """"I paid too much, send back the difference"."""
    return msg.has("overpayment")


@labeling_function(label=SUSPICIOUS, version=1)
def bribes_for_review(msg: ParsedMessage) -> bool:
    """Money, refund or discount in exchange for a good review or a removed bad one."""
    return msg.has("review_bribe")


@labeling_function(label=SUSPICIOUS, version=1)
def pressures_dispute_withdrawal(msg: ParsedMessage) -> bool:
    """Asks the other party to cancel/close a dispute, claim or chargeback."""
    return msg.has("dispute_pressure")


@labeling_function(label=SUSPICIOUS, version=1)
def pays_with_gift_cards(msg: ParsedMessage) -> bool:
    """Payment in gift cards is a classic scam."""
    return msg.has("gift_card")


@labeling_function(label=SUSPICIOUS, version=1)
def manipulates_platform_process(msg: ParsedMessage) -> bool:
    """"Mark it delivered", "ignore your dashboard", "KX will freeze your funds"."""
    return msg.has("manipulation")


# --- aggressive ---------------------------------------------------------------------------


@labeling_function(label=AGGRESSIVE, version=1)
def strong_insult(msg: ParsedMessage) -> bool:
    """Insults and slurs from the strong lexicon (incl. Patois)."""
    return "insult" in msg.rules("insult")


@labeling_function(label=AGGRESSIVE, version=1)
def insult_aimed_at_person(msg: ParsedMessage) -> bool:
    """"You useless ...", "stupid seller"."""
    return "insult_aimed" in msg.rules("insult")


@labeling_function(label=AGGRESSIVE, version=1)
def profanity_at_person(msg: ParsedMessage) -> bool:
    """"F*** you", "go to hell", "shut up"."""
    return msg.has("profanity")


@labeling_function(label=AGGRESSIVE, version=1)
def threatens_harm(msg: ParsedMessage) -> bool:
    """Violence, doxxing or intimidation ("I know where you live")."""
    return msg.has("threat")


@labeling_function(label=AGGRESSIVE, version=1)
def threatens_revenge_review(msg: ParsedMessage) -> bool:
    """A bad review threatened "unless" the other party complies."""
    return msg.has("review_threat")


@labeling_function(label=AGGRESSIVE, version=1)
def hostile_accusation(msg: ParsedMessage) -> bool:
    """"You are a thief / scammer / liar"."""
    return msg.has("accusation")


@labeling_function(label=AGGRESSIVE, version=1)
def dismissive_hostility(msg: ParsedMessage) -> bool:
    """"Not my problem", "stop messaging me", "leave me alone"."""
    return msg.has("dismissive")


# --- promise ------------------------------------------------------------------------------

_REFUND_WORDS = re.compile(
    r"refund|reimburs|money|pay you|compensat|credit|cash|devuelvo|give|back|take|get"
)
_REPLACE_WORDS = re.compile(r"replac|new|another|fresh|second|reship|resend")


@labeling_function(label=PROMISE, version=1)
def guarantees_delivery(msg: ParsedMessage) -> bool:
    """"Guaranteed by Friday", "you'll definitely get it today"."""
    return msg.has("promise_delivery")


@labeling_function(label=PROMISE, version=1)
def promises_refund_before_review(msg: ParsedMessage) -> bool:
    """A refund promised now / before the return is inspected."""
    return _spans_match(msg, "promise_refund", _REFUND_WORDS)


@labeling_function(label=PROMISE, version=1)
def promises_replacement_without_return(msg: ParsedMessage) -> bool:
    """A replacement promised now / with no need to return."""
    return _spans_match(msg, "promise_refund", _REPLACE_WORDS)


@labeling_function(label=PROMISE, version=1)
def promises_dispute_outcome(msg: ParsedMessage) -> bool:
    """"You will win the dispute", "KX will side with you"."""
    return msg.has("promise_dispute")
