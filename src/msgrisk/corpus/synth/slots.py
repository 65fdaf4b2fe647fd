"""Slot fillers: one function per ``{slot}`` of ``frame.py``, each drawing from a ``Random``.

Every filler has the signature ``(rng, plain) -> (text, obfuscated)``. ``plain=True`` asks
for an un-obfuscated form (used for fine frames, where contact details are only
mentioned), and ``obfuscated`` tells the generator that the message hides contact info.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

from msgrisk.corpus.synth import vocab as V
from msgrisk.corpus.synth.slots_contact import (
    fill_app,
    fill_bad_url,
    fill_email,
    fill_handle,
    fill_pay,
    fill_phone,
    fill_site,
)

Filler = Callable[[random.Random, bool], tuple[str, bool]]

SLOT_RE = re.compile(r"\{(\w+)\}")

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _pick(rng: random.Random, items: tuple[str, ...]) -> str:
    return items[rng.randrange(len(items))]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def fill_name(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A first name (Jamaican or general)."""
    return _pick(rng, V.NAMES), False


_ES_DAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
_ES_MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


def fill_day_es(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A weekday in Spanish."""
    return _pick(rng, _ES_DAYS), False


def fill_date_es(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A date in Spanish style ("12 de marzo", "12/3")."""
    d, m = rng.randint(1, 28), rng.randrange(12)
    return rng.choice((f"{d} de {_ES_MONTHS[m]}", f"{d}/{m + 1}")), False


def fill_town(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A Jamaican town or parish."""
    return _pick(rng, V.TOWNS), False


def fill_product(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A product noun phrase."""
    return _pick(rng, V.PRODUCTS), False


def _amount(rng: random.Random) -> int:
    # Log-uniform-ish amounts so both J$450 and JMD 185,000 appear.
    scale = rng.choice((100, 1_000, 1_000, 10_000, 10_000, 100_000))
    return max(150, int(rng.uniform(1, 10) * scale) // 5 * 5)


def fill_price(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A JMD or USD price in one of many written formats."""
    if rng.random() < 0.2:
        usd = rng.choice((rng.randint(5, 60), rng.randint(60, 900)))
        cents = rng.choice(("", ".00", f".{rng.randint(1, 99):02d}"))
        fmt = rng.choice(("US${v}{c}", "USD {v}{c}", "${v}{c} US", "{v}{c} USD", "US$ {v}{c}"))
        return fmt.format(v=f"{usd:,}", c=cents), False
    v = _amount(rng)
    comma, bare = f"{v:,}", str(v)
    cents = rng.choice(("", "", ".00", f".{rng.choice((50, 99, 95))}"))
    fmt = rng.choice(
        (
            "JMD {c}{x}",
            "JMD {b}{x}",
            "${c}{x}",
            "${b}",
            "J${b}",
            "J${c}{x}",
            "J$ {c}",
            "{c} JMD",
            "{b}jmd",
            "JA${c}",
            "${c} JMD",
            "jmd{b}",
            "{c}{x} dollars",
            "$ {c}",
        )
    )
    return fmt.format(c=comma, b=bare, x=cents), False


def fill_order_id(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A Kingston Express order number ``KX-`` + 8 digits."""
    return new_order_id(rng), False


def new_order_id(rng: random.Random) -> str:
    """A fresh ``KX-########`` order id."""
    return f"KX-{rng.randrange(10**7, 10**8)}"


def fill_tracking(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A courier tracking number (UPS 1Z, JamPost JM, DHL 10 digits, KX parcel)."""
    kind = rng.randrange(4)
    if kind == 0:
        alnum = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(6))
        return f"1Z{alnum}{_digits(rng, 10)}", False
    if kind == 1:
        return f"JM{_digits(rng, 9)}", False
    if kind == 2:
        return _digits(rng, 10), False
    return f"KXP{_digits(rng, 11)}", False


def fill_courier(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A courier or delivery service."""
    return _pick(rng, V.COURIERS), False


def fill_day(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A weekday, sometimes abbreviated or lower-case."""
    day = _pick(rng, V.DAYS)
    r = rng.random()
    if r < 0.1:
        return day[:3], False
    if r < 0.2:
        return day.lower(), False
    return day, False


def fill_date(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A calendar date in day-month, month/day or ordinal style."""
    d, m = rng.randint(1, 28), rng.randrange(12)
    month = _MONTHS[m]
    fmt = rng.randrange(7)
    return (
        f"{d} {month}",
        f"{m + 1}/{d}",
        f"the {_ordinal(d)}",
        f"{month} {_ordinal(d)}",
        f"{d}/{m + 1}",
        f"{month[:3]} {d}",
        f"{_ordinal(d)} of {month}",
    )[fmt], False


def fill_time(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A time of day, numeric or in words."""
    if rng.random() < 0.35:
        return _pick(rng, V.TIMES_WORDS), False
    h = rng.randint(7, 19)
    mins = rng.choice((0, 0, 15, 30, 45))
    h12 = h - 12 if h > 12 else h
    ampm = "pm" if h >= 12 else "am"
    return rng.choice(
        (
            f"{h12}{ampm}",
            f"{h12}:{mins:02d}",
            f"{h12}:{mins:02d} {ampm}",
            f"{h}:{mins:02d}",
            f"{h12} o'clock",
            f"{h12}{ampm.upper()}",
        )
    ), False


def fill_qty(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A small quantity, mostly digits."""
    n = rng.choice((1, 2, 2, 2, 3, 3, 4, 5, 6, 10, 12))
    if rng.random() < 0.2 and n <= 10:
        return ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")[
            n - 1
        ], False
    return str(n), False


def fill_code_len(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """The length of a one-time code."""
    # Frames write "{code_len}-digit code", so the value is the bare number.
    return rng.choice(("6", "6", "6", "4", "4", "5", "8", "six", "four")), False


def fill_prize(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A lottery/giveaway prize."""
    return _pick(rng, V.PRIZES), False


def fill_bank(rng: random.Random, plain: bool = False) -> tuple[str, bool]:
    """A bank."""
    return _pick(rng, V.BANKS), False


FILLERS: dict[str, Filler] = {
    "name": fill_name,
    "me": fill_name,
    "town": fill_town,
    "product": fill_product,
    "price": fill_price,
    "order_id": fill_order_id,
    "tracking": fill_tracking,
    "courier": fill_courier,
    "day": fill_day,
    "date": fill_date,
    "time": fill_time,
    "qty": fill_qty,
    "phone": fill_phone,
    "email": fill_email,
    "handle": fill_handle,
    "app": fill_app,
    "pay": fill_pay,
    "bank": fill_bank,
    "site": fill_site,
    "bad_url": fill_bad_url,
    "code_len": fill_code_len,
    "prize": fill_prize,
}
KNOWN_SLOTS: frozenset[str] = frozenset(FILLERS)
#: Language-specific fillers that replace the default for frames in that language.
LANG_FILLERS: dict[str, dict[str, Filler]] = {"es": {"day": fill_day_es, "date": fill_date_es}}


@dataclass(frozen=True)
class Segment:
    """A piece of a filled message: literal template text, or the value of a slot."""

    text: str
    slot: str | None = None


def slots_of(template: str) -> list[str]:
    """The slot names used in a template, in order of appearance."""
    return SLOT_RE.findall(template)


def fill(
    template: str,
    rng: random.Random,
    fixed: dict[str, str] | None = None,
    plain: bool = False,
    lang: str = "en",
) -> tuple[list[Segment], bool]:
    """Fill every slot of ``template``; returns the segments and whether any was obfuscated.

    ``fixed`` supplies values decided by the thread (names, the thread's order id).
    Raises ``KeyError`` naming the slot when the template uses an unknown slot.
    """
    fixed = fixed or {}
    fillers = {**FILLERS, **LANG_FILLERS.get(lang, {})}
    segments: list[Segment] = []
    obfuscated = False
    pos = 0
    for match in SLOT_RE.finditer(template):
        slot = match.group(1)
        if slot not in FILLERS:
            raise KeyError(
                f"unknown slot {{{slot}}} in template {template[:60]!r}; "
                f"known slots: {sorted(KNOWN_SLOTS)}"
            )
        if match.start() > pos:
            segments.append(Segment(template[pos : match.start()]))
        if slot in fixed:
            value, obf = fixed[slot], False
        else:
            value, obf = fillers[slot](rng, plain)
        obfuscated = obfuscated or obf
        segments.append(Segment(value, slot))
        pos = match.end()
    if pos < len(template):
        segments.append(Segment(template[pos:]))
    return segments, obfuscated


__all__ = ["FILLERS", "KNOWN_SLOTS", "Filler", "Segment", "fill", "new_order_id", "slots_of"]
