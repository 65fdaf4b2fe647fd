"""Contact-detail fillers (phone, e-mail, handle, app, payment, links), plain or obfuscated.

Obfuscation mirrors what moderators see people do to dodge filters: digits spelled out,
spaced or written as emoji keycaps, "gmail dot com", "w h a t s a p p", leetspeak.
Each filler returns ``(text, obfuscated)``.
"""

from __future__ import annotations

import random

from msgrisk.corpus.synth import vocab as V

_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_KEYCAP = "\ufe0f\u20e3"


def _pick(rng: random.Random, items: tuple[str, ...]) -> str:
    return items[rng.randrange(len(items))]


def _line(rng: random.Random) -> str:
    """Seven subscriber digits; the exchange never starts with 0 or 1 (NANP rule)."""
    return str(rng.randint(2, 9)) + "".join(str(rng.randrange(10)) for _ in range(6))


def _plain_phone(rng: random.Random, area: str, line: str) -> str:
    a, b, c = area, line[:3], line[3:]
    return rng.choice(
        (
            f"{a}-{b}-{c}",
            f"({a}) {b} {c}",
            f"({a}) {b}-{c}",
            f"+1 {a} {b} {c}",
            f"{a}{b}{c}",
            f"1{a}{b}{c}",
            f"{a}.{b}.{c}",
            f"+1-{a}-{b}-{c}",
            f"{a} {b} {c}",
            f"{b}-{c}",
            f"1-{a}-{b}-{c}",
            f"+1{a}{b}{c}",
        )
    )


def _obfuscated_phone(rng: random.Random, digits: str) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return " ".join(digits)
    if kind == 1:
        return " ".join(_WORDS[int(d)] for d in digits)
    if kind == 2:  # mixed words and digits: "876 five five five 0142"
        return f"{digits[:3]} {' '.join(_WORDS[int(d)] for d in digits[3:6])} {digits[6:]}"
    if kind == 3:
        return "".join(d + _KEYCAP for d in digits)
    if kind == 4:  # full-width digits
        return "".join(chr(0xFF10 + int(d)) for d in digits)
    if kind == 5:
        return "-".join(_WORDS[int(d)] for d in digits)
    if kind == 6:  # letter O for zero, l for one
        return f"{digits[:3]} {digits[3:6]} {digits[6:]}".replace("0", "O").replace("1", "l")
    return f"{digits[:3]}*{digits[3:6]}*{digits[6:]}"


def fill_phone(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A Jamaican (876/658) or US/CA/UK phone number, plain or obfuscated."""
    r = rng.random()
    if r < 0.08:  # UK mobile
        num = f"7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
        return rng.choice((f"+44 {num}", f"0{num}", f"+44{num.replace(' ', '')}")), False
    area = "876" if r < 0.72 else "658" if r < 0.82 else _pick(rng, ("305", "646", "416", "954"))
    line = _line(rng)
    if plain or rng.random() < 0.55:
        return _plain_phone(rng, area, line), False
    return _obfuscated_phone(rng, area + line), True


def _user(rng: random.Random) -> str:
    first = _pick(rng, V.NAMES).lower().replace("-", "")
    r = rng.randrange(6)
    if r == 0:
        return first
    if r == 1:
        return f"{first}.{rng.choice('abcdefghjklmnprstw')}"
    if r == 2:
        return f"{first}{rng.randint(1, 99)}"
    if r == 3:
        return f"{first}_{_pick(rng, V.FIRST_HANDLE_WORDS)}"
    if r == 4:
        return f"{first}{rng.choice(('876', 'ja', 'jm', '1990', '2000'))}"
    return f"{first}.{_pick(rng, V.NAMES).lower().replace('-', '')}"


def fill_email(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A personal e-mail, plain or obfuscated ("shan.b at gmail dot com")."""
    user, dom = _user(rng), _pick(rng, V.MAIL_DOMAINS)
    if plain or rng.random() < 0.5:
        return f"{user}@{dom}.com", False
    spoken = user.replace(".", " dot ")
    return rng.choice(
        (
            f"{spoken} at {dom} dot com",
            f"{user}[at]{dom}[dot]com",
            f"{user} @ {dom} . com",
            f"{user}(at){dom}(dot)com",
            f"{user} at {dom}",
            f"{user} AT {dom} DOT com",
            f"{user}@{dom} dot com",
            f"{user} {{at}} {dom} {{dot}} com",
        )
    ), True


def fill_handle(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A social-media handle ("@shanice_styles")."""
    user = _user(rng).replace(".", "_")
    if not plain and rng.random() < 0.15:
        return f"{user} (no @)", True
    return f"@{user}", False


_APPS_PLAIN = (
    "WhatsApp",
    "WhatsApp",
    "whatsapp",
    "Whatsapp",
    "WA",
    "Telegram",
    "telegram",
    "Signal",
    "IG",
    "Instagram",
    "insta",
    "FB",
    "Facebook",
    "FB messenger",
    "Facebook messenger",
    "Messenger",
    "Snapchat",
    "snap",
    "the green app",
    "TikTok DMs",
    "iMessage",
    "text",
    "Viber",
)
_APPS_OBFUSCATED = (
    "w h a t s a p p",
    "w.h.a.t.s.a.p.p",
    "whats@pp",
    "wh4tsapp",
    "watsapp",
    "whatsap",
    "telegrm",
    "T E L E G R A M",
    "tele",
    "t3legram",
    "s1gnal",
    "1G",
    "i.g",
    "insta gram",
    "WhatsApp (the green one)",
    "W@",
    "whtsapp",
    "wasap",
    "dubl-u app",
    "w/app",
    "the gr33n app",
)


def fill_app(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A messaging app, plain or obfuscated."""
    if plain or rng.random() < 0.7:
        return _pick(rng, _APPS_PLAIN), False
    return _pick(rng, _APPS_OBFUSCATED), True


_PAY_PLAIN = (
    "CashApp",
    "Zelle",
    "Lynk",
    "PayPal friends and family",
    "a direct NCB transfer",
    "bitcoin",
    "Western Union",
    "MoneyGram",
    "JN Money",
    "USDT",
    "Venmo",
    "a Scotia transfer",
    "Apple Pay",
    "bank transfer",
    "cash",
    "Lynk wallet",
    "Quisk",
    "PayPal F&F",
    "a direct deposit",
    "crypto",
    "a JN transfer",
    "Remitly",
    "Bill Express",
)
_PAY_OBFUSCATED = ("c@shapp", "cash app", "L y n k", "pp f n f", "z3lle", "btc", "p@ypal")


def fill_pay(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """An off-platform payment channel."""
    if plain or rng.random() < 0.85:
        return _pick(rng, _PAY_PLAIN), False
    return _pick(rng, _PAY_OBFUSCATED), True


def fill_site(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """An outside shop or payment page."""
    user = _user(rng).replace(".", "").replace("_", "")
    if not plain and rng.random() < 0.15:
        return f"{user} dot shop", True
    return rng.choice(
        (
            f"{user}.shop",
            f"paypal.me/{user}",
            f"{user}deals.com",
            f"www.{user}.store",
            f"linktr.ee/{user}",
            f"{user}.myshopify.com",
            f"shop.{user}.net",
            f"cash.app/${user}",
            f"{user}ja.com",
            f"https://{user}.online/pay",
        )
    ), False


_LOOKALIKE = (
    "kx-support-login.com/verify",
    "kingstonexpress-secure.net",
    "kx-refunds.help",
    "kingston-express.account-verify.com",
    "kx-security-center.com/login",
    "kxpress-claims.net",
    "kingstonexpres.com/update",
    "kx-helpdesk.support/restore",
    "secure-kx.co/verify-id",
    "kingstonexpress.refund-portal.info",
    "kx.account-review.live",
    "k-x.com.jm-login.site",
)


def fill_bad_url(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A shortened or look-alike link."""
    if rng.random() < 0.55:
        url = _pick(rng, _LOOKALIKE)
    else:
        code = "".join(
            rng.choice("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            for _ in range(rng.randint(5, 7))
        )
        url = f"{_pick(rng, ('bit.ly', 'tinyurl.com', 'cutt.ly', 'is.gd', 't.ly', 'rb.gy'))}/{code}"
    prefix = rng.choice(("", "", "https://", "http://", "www."))
    if prefix == "www." and not url.startswith(("k", "s")):
        prefix = ""
    return prefix + url, False
