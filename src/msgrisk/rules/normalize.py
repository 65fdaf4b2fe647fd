"""De-obfuscation that remembers where every character came from.

``normalize(text)`` applies a fixed sequence of regex passes (keycaps, invisible
characters, NFKC, lowercasing, spelled-out digits (Patois "tree" included), digits glued to
number words ("55five", "3two1"), spaced digits (with o / l for 0 / 1 among them),
spelled-out e-mail punctuation, spaced letters, leetspeak, letter repeats, keyword typos).  Each pass is a list of
non-overlapping edits; the offset maps are rebuilt only when a pass actually
edits something, so a plain ASCII message costs a few regex scans.  Every
pattern uses bounded quantifiers so the passes stay linear on hostile input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from msgrisk.rules.typos import WORD, typo_map

Edit = tuple[int, int, str]

_KEYCAP = re.compile("([0-9#*])\ufe0f?\u20e3")
# Zero-width, bidi controls, soft hyphen, variation selectors, BOM, C0/C1 controls (not \t\n).
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufe00-\ufe0f\ufeff\x00-\x08\x0b-\x1f\x7f-\x9f]+"
)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
# Typographic quotes and dashes NFKC keeps; patterns are written with ASCII ones.
_PUNCT = {"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
          "\u2013": "-", "\u2014": "-", "\u2212": "-"}

_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "tree": "3",
    "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
_NUM_WORD = r"(?:zero|oh|one|two|three|tree|four|five|six|seven|eight|nine|o)"
_NUM_TOKEN = rf"(?:(?:double|triple)[ -]?{_NUM_WORD}|{_NUM_WORD}|\d{{1,4}})"
# A run of number words and short digit groups; converted only if it holds >= 3 words
# and >= 7 digits in total, which keeps "one or two" and "2 of them" untouched.
_NUM_RUN = re.compile(rf"\b{_NUM_TOKEN}(?:[ ,.\-]{{1,3}}{_NUM_TOKEN}\b){{2,24}}")
_NUM_PART = re.compile(rf"(double|triple)?[ -]?({_NUM_WORD})|(\d+)")
# Single digits separated by spaces, dots or dashes: "8 7 6 5 5 5 0 1 4 2".
_SPACED_DIGITS = re.compile(r"(?<!\d)\d(?:[ .\-_]{1,2}\d(?!\d)){5,24}")
# The same with the letters o / l for 0 / 1 ("5 5 5 - o l 5 4"), if >= 5 are real digits.
_SPACED_MIXED = re.compile(r"(?<!\w)[\dol](?:[ .\-_]{1,3}[\dol](?!\w)){5,24}")
_SPACED_MIXED_MAP = str.maketrans({"o": "0", "l": "1"})
_SEP = re.compile(r"[ .\-_,]")
_ANY_DIGIT = re.compile(r"\d")
_NUM_HINT = re.compile(rf"\b{_NUM_WORD}\b")
# Digits glued to number words or a letter o: "876five550142", "o142", "55five", "3two1".
# Converted only when the token holds >= 2 real digits (so words like "someone" stay
# untouched) and, with only 2, a number word ("2o2o" stays).
_GLUED_WORDS = "|".join(sorted((w for w in _DIGIT_WORDS if w != "oh"), key=len, reverse=True))
_GLUED = re.compile(rf"\b(?:\d|{_GLUED_WORDS}){{3,40}}\b")
_GLUED_PART = re.compile(rf"\d|{_GLUED_WORDS}")

_TLD = r"(?:com|net|org|co|jm|io|info|biz|me|us|uk|ca|edu|gov|ly|xyz|shop|store|site|online|ee|bio|link)"
_BRACKET_AT = re.compile(r"\s*[\[\(\{<]\s*at\s*[\]\)\}>]\s*")
_BRACKET_DOT = re.compile(r"\s*[\[\(\{<]\s*dot\s*[\]\)\}>]\s*")
_DOT_TLD = re.compile(rf"(?<=[a-z0-9])\s+dot\s+(?={_TLD}\b)")
_PROVIDERS = r"(?:gmail|yahoo|ymail|hotmail|outlook|icloud|aol|live|msn|proton(?:mail)?|gmx|mail)"
# Spelled " at " only before a mail provider or a spelled-out " dot " ("hours at kx.com" stays).
_SPACED_AT = re.compile(
    rf"(?<=[a-z0-9_])\s+at\s+(?={_PROVIDERS}(?:\.|\s+dot\s+){_TLD}\b|[a-z0-9\-]{{1,63}}\s+dot\s+{_TLD}\b)"
)
_SPACED_AT_SIGN = re.compile(rf"(?<=[a-z0-9_])\s+@\s+(?=[a-z0-9\-]{{1,63}}\.{_TLD}\b)")
_DOT_LOCAL = re.compile(r"(?<=[a-z0-9])\s+dot\s+(?=[a-z0-9_.]{1,64}@)")

# Spaced or dotted single letters: "w h a t s a p p", "w.h.a.t.s.a.p.p", "t-e-l-e-g-r-a-m".
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-_*]{1,2}[a-z](?![a-z0-9])){3,40}")
_LETTER_SEP = re.compile(r"[ .\-_*]")

_LEET_MAP = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
# A leet character sandwiched between letters ("wh4tsapp", "whats@pp", "t3l3gram").
_LEET = re.compile(r"(?<=[a-z])[013457@$](?=[a-z])")
# Three or more of the same letter ("pleaseee", "hollla") become two.
_REPEATS = re.compile(r"([a-z])\1{2,}")
_EMAIL_AFTER_AT = re.compile(r"[a-z0-9\-]{1,63}\.[a-z]{2,}")


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus, per normalised character, the original [start, end) it came from."""

    original: str
    text: str
    starts: tuple[int, ...] | None  # None: identity mapping (nothing was rewritten)
    ends: tuple[int, ...] | None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span ``[start, end)`` to offsets into the original text."""
        n = len(self.text)
        start = max(0, min(start, n))
        end = max(start, min(end, n))
        if self.starts is None or self.ends is None:
            return start, end
        if start == end:
            pos = self.starts[start] if start < n else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


class _Builder:
    """Accumulates passes; maps are lists of original offsets per current character."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: list[int] | None = None
        self.ends: list[int] | None = None

    def apply(self, edits: Iterable[Edit]) -> None:
        edits = list(edits)
        if not edits:
            return
        if self.starts is None or self.ends is None:
            self.starts = list(range(len(self.text)))
            self.ends = list(range(1, len(self.text) + 1))
        old, starts, ends = self.text, self.starts, self.ends
        parts: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        pos = 0
        for s, e, repl in edits:
            parts.append(old[pos:s])
            new_starts.extend(starts[pos:s])
            new_ends.extend(ends[pos:s])
            if repl:
                o_start = starts[s] if s < len(starts) else (ends[-1] if ends else 0)
                o_end = ends[e - 1] if e > s else o_start
                parts.append(repl)
                new_starts.extend([o_start] * len(repl))
                new_ends.extend([o_end] * len(repl))
            pos = e
        parts.append(old[pos:])
        new_starts.extend(starts[pos:])
        new_ends.extend(ends[pos:])
        self.text, self.starts, self.ends = "".join(parts), new_starts, new_ends

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str | None]) -> None:
        """Like ``re.sub`` but keeping offsets; ``repl`` returning None leaves the match alone."""
        edits: list[Edit] = []
        for m in pattern.finditer(self.text):
            new = repl(m)
            if new is not None and new != m.group(0):
                edits.append((m.start(), m.end(), new))
        self.apply(edits)


def _num_run(m: re.Match[str]) -> str | None:
    words = 0
    digits: list[str] = []
    for part in _NUM_PART.finditer(m.group(0)):
        mult, word, number = part.group(1), part.group(2), part.group(3)
        if number:
            digits.append(number)
        elif word:
            words += 1
            count = {"double": 2, "triple": 3}.get(mult or "", 1)
            digits.append(_DIGIT_WORDS[word] * count)
    joined = "".join(digits)
    if words < 3 or len(joined) < 7:
        return None
    return joined


def _glued(m: re.Match[str]) -> str | None:
    token = m.group(0)
    digits = sum(ch.isdigit() for ch in token)
    if digits < 2 or digits == len(token):
        return None
    parts = _GLUED_PART.findall(token)
    if len(parts) < 3 or (digits == 2 and all(len(part) == 1 for part in parts)):
        return None  # "2o2o", "1o1": digits and the letter o only, too little to call a number
    return "".join(_DIGIT_WORDS.get(part, part) for part in parts)


def _spaced_mixed(m: re.Match[str]) -> str | None:
    run = m.group(0)
    if sum(ch.isdigit() for ch in run) < 5:
        return None
    return _SEP.sub("", run).translate(_SPACED_MIXED_MAP)


def _leet(m: re.Match[str], text: str) -> str | None:
    if m.group(0) == "@" and _EMAIL_AFTER_AT.match(text, m.end()):
        return None  # a real e-mail address, not "whats@pp"
    return _LEET_MAP[m.group(0)]


def _lower(b: _Builder) -> None:
    if not b.text.isascii() and any(len(ch.lower()) != 1 for ch in b.text if not ch.isascii()):
        # Rare: a character whose lowercase has another length ("İ"); edit it on its own.
        b.apply((i, i + 1, ch.lower()) for i, ch in enumerate(b.text) if len(ch.lower()) != 1)
    b.text = b.text.lower()


def normalize(text: str) -> Normalized:
    """De-obfuscate ``text`` for detection; see the module docstring for the passes."""
    if not isinstance(text, str):
        raise TypeError(f"normalize() expects str, got {type(text).__name__}")
    b = _Builder(text)
    if not text.isascii():
        b.sub(_KEYCAP, lambda m: m.group(1))
    if not text.isprintable():
        b.sub(_INVISIBLE, lambda m: "")
    if not b.text.isascii():
        b.apply(
            (m.start() + i, m.start() + i + 1, out)
            for m in _NON_ASCII.finditer(b.text)
            for i, ch in enumerate(m.group(0))
            if (out := _nfkc_char(ch)) != ch
        )
    _lower(b)
    has_digit = _ANY_DIGIT.search(b.text) is not None
    if _NUM_HINT.search(b.text):
        b.sub(_NUM_RUN, _num_run)
    if has_digit:
        b.sub(_GLUED, _glued)
        b.sub(_SPACED_DIGITS, lambda m: _SEP.sub("", m.group(0)))
        if " o " in b.text or " l " in b.text:
            b.sub(_SPACED_MIXED, _spaced_mixed)
    if " at " in b.text or "dot" in b.text or "@" in b.text or "[at" in b.text or "(at" in b.text:
        b.sub(_BRACKET_AT, lambda m: "@")
        b.sub(_BRACKET_DOT, lambda m: ".")
        b.sub(_SPACED_AT, lambda m: "@")
        b.sub(_DOT_TLD, lambda m: ".")
        b.sub(_SPACED_AT_SIGN, lambda m: "@")
        b.sub(_DOT_LOCAL, lambda m: ".")
    b.sub(_SPACED_LETTERS, lambda m: _LETTER_SEP.sub("", m.group(0)))
    if has_digit or "@" in b.text or "$" in b.text:
        current = b.text
        b.sub(_LEET, lambda m: _leet(m, current))
    b.sub(_REPEATS, lambda m: m.group(1) * 2)
    typos = typo_map()
    if not typos.keys().isdisjoint(WORD.findall(b.text)):  # C-speed check before the slow path
        b.sub(WORD, lambda m: typos.get(m.group(0)))
    starts = tuple(b.starts) if b.starts is not None else None
    ends = tuple(b.ends) if b.ends is not None else None
    return Normalized(original=text, text=b.text, starts=starts, ends=ends)


def _nfkc_char(ch: str) -> str:
    """NFKC of one character; lone surrogates and unassigned code points pass through."""
    if ch in _PUNCT:
        return _PUNCT[ch]
    try:
        return unicodedata.normalize("NFKC", ch)
    except (UnicodeError, ValueError):
        return ch
