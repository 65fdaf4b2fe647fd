"""Meaning-preserving noise applied to a filled frame: typos, casing, slang, emojis, greetings.

Perturbations touch only the literal template text, never slot values, so phone numbers,
order ids and links stay exactly as filled. None of them adds or removes a risk: no
profanity, no contact details, and ALL CAPS only on rare, short messages.
"""

from __future__ import annotations

import random
import re

from msgrisk.corpus.synth.slots import Segment

_WORD_RE = re.compile(r"[A-Za-z]+")
# Slot values that read naturally in lower case; ids, links and contact details never change.
_CASE_SAFE_SLOTS = frozenset({"name", "me", "town", "product", "day", "courier", "time", "date"})

SLANG: dict[str, tuple[str, ...]] = {
    "please": ("pls", "plz", "pleaseee"),
    "you": ("u", "yu"),
    "your": ("ur", "yr"),
    "you're": ("ur", "youre"),
    "thanks": ("thx", "thnx", "tx", "tanks"),
    "thank": ("tank",),
    "tomorrow": ("tmrw", "2moro", "tmr"),
    "okay": ("k", "ok", "oki"),
    "ok": ("k", "kk"),
    "because": ("cuz", "bc", "cause"),
    "are": ("r",),
    "really": ("rly",),
    "know": ("kno",),
    "message": ("msg",),
    "messages": ("msgs",),
    "people": ("ppl",),
    "what": ("wat", "wah"),
    "with": ("wid", "w/"),
    "to": ("2",),
    "for": ("4",),
    "before": ("b4",),
    "going": ("goin",),
    "nothing": ("nuttin",),
    "something": ("smth",),
    "tonight": ("2nite",),
    "right": ("rite",),
    "there": ("dere",),
    "them": ("dem",),
    "this": ("dis",),
    "that": ("dat",),
    "about": ("abt",),
    "should": ("shud",),
    "would": ("wud",),
    "could": ("cud",),
    "yes": ("ye", "yeah", "yea"),
    "love": ("luv",),
    "good": ("gud",),
    "morning": ("mornin",),
    "waiting": ("waitin",),
    "later": ("l8r",),
    "great": ("gr8",),
}

EMOJIS: tuple[str, ...] = (
    "🙏",
    "😊",
    "👍",
    "📦",
    "🙂",
    "✅",
    "⏳",
    "🤞",
    "🔥",
    "😅",
    "🙌",
    "❤️",
    "😩",
    "🤔",
    "😡",
    "😔",
    "👀",
    "💯",
)
HOSTILE_EMOJIS: tuple[str, ...] = ("😡", "🤬", "😤", "🙄", "👎", "😒", "💀")

GREETINGS = {
    "en": (
        "Hi {n},",
        "Hello {n},",
        "Hey {n}",
        "Good morning",
        "Good afternoon {n},",
        "Good evening",
        "Hi there,",
        "Morning {n}",
        "Hello,",
        "Hi,",
        "Greetings,",
        "Yo {n}",
    ),
    "patois": (
        "Wah gwaan {n},",
        "Yow {n}",
        "Morning {n},",
        "Hail up {n}",
        "Evening boss,",
        "Big up {n},",
        "Whappen {n}",
    ),
    "es": ("Hola {n},", "Buenos días,", "Buenas tardes,", "Hola,"),
}
SIGNOFFS = {
    "en": (
        "Thanks",
        "thanks",
        "Thank you!",
        "Blessings",
        "Regards, {m}",
        "Cheers",
        "- {m}",
        "Have a good day",
        "Much appreciated",
        "Thanks in advance",
        "Be blessed",
        "Ty",
    ),
    "patois": ("Bless up", "Respect", "Tenk yuh", "Likkle more", "Blessings", "Walk good"),
    "es": ("Gracias", "Saludos", "Gracias, {m}", "Bendiciones"),
}


def _match_case(src: str, repl: str) -> str:
    if src.isupper() and len(src) > 1:
        return repl.upper()
    if src[:1].isupper():
        return repl[:1].upper() + repl[1:]
    return repl


def _slang(text: str, rng: random.Random, rate: float) -> str:
    def sub(m: re.Match[str]) -> str:
        word = m.group(0)
        options = SLANG.get(word.lower())
        if options is None or rng.random() >= rate:
            return word
        return _match_case(word, options[rng.randrange(len(options))])

    return re.sub(r"[A-Za-z']+", sub, text)


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # swap neighbours
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:  # drop a letter
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]  # double a letter


def _add_typos(parts: list[str], literal: list[bool], rng: random.Random) -> None:
    spots = [
        (pi, m)
        for pi, p in enumerate(parts)
        if literal[pi]
        for m in _WORD_RE.finditer(p)
        if len(m.group(0)) >= 5
    ]
    for _ in range(min(len(spots), rng.choice((1, 1, 1, 2)))):
        pi, m = spots.pop(rng.randrange(len(spots)))
        part = parts[pi]
        # Rebuild by position search so earlier edits in the same part do not shift offsets.
        word = m.group(0)
        idx = part.find(word)
        if idx >= 0:
            parts[pi] = part[:idx] + _typo(word, rng) + part[idx + len(word) :]


def _end_punct(text: str, rng: random.Random) -> str:
    stripped = text.rstrip()
    if stripped.endswith("?"):
        return stripped + rng.choice(("?", "??", "?!"))
    if stripped.endswith((".", "!")):
        return stripped[:-1] + rng.choice(("!!", "...", "", "!", " ..", "!!!"))
    return stripped + rng.choice(("!", "...", "."))


def perturb(
    segments: list[Segment],
    rng: random.Random,
    lang: str = "en",
    other: str = "",
    me: str = "",
    hostile: bool = False,
) -> str:
    """Render filled ``segments`` to text with random, meaning-preserving noise.

    ``hostile`` messages get no friendly sign-off or smiley, so the tone stays coherent.
    """
    parts = [s.text for s in segments]
    literal = [s.slot is None for s in segments]
    case_ok = [s.slot is None or s.slot in _CASE_SAFE_SLOTS for s in segments]
    if lang == "en" and rng.random() < 0.18:
        rate = rng.choice((0.4, 0.7, 1.0))
        parts = [_slang(p, rng, rate) if lit else p for p, lit in zip(parts, literal, strict=True)]
    if rng.random() < 0.15:
        _add_typos(parts, literal, rng)
    text_words = sum(len(p.split()) for p in parts)
    r = rng.random()
    if r < 0.12:
        parts = [p.lower() if ok else p for p, ok in zip(parts, case_ok, strict=True)]
    elif r < 0.127 and text_words <= 7:
        parts = [p.upper() if lit else p for p, lit in zip(parts, literal, strict=True)]
    elif r < 0.16 and literal[0] and parts[0][:1].isupper():
        parts[0] = parts[0][:1].lower() + parts[0][1:]
    if rng.random() < 0.04:  # sloppy spacing, only in template text
        i = next((k for k, lit in enumerate(literal) if lit and " " in parts[k]), None)
        if i is not None:
            parts[i] = (
                parts[i].replace(", ", ",", 1)
                if rng.random() < 0.5
                else parts[i].replace(" ", "  ", 1)
            )
    text = "".join(parts)
    if rng.random() < 0.12:
        text = _end_punct(text, rng)
    table = lang if lang in GREETINGS else "en"
    starts = text.lower().lstrip()
    if rng.random() < 0.14 and not starts.startswith(
        ("hi", "hello", "hey", "good", "hola", "yow", "wah", "morning", "evening", "buen")
    ):
        greet = rng.choice(GREETINGS[table]).format(n=other or "there")
        lower = literal[0] and rng.random() < 0.3  # never re-case a slot value ("KX-…")
        text = f"{greet} {text[:1].lower() if lower else text[:1]}{text[1:]}"
    if rng.random() < 0.09 and not hostile:
        sep = rng.choice((" ", "\n")) if text[-1:] in ".!?" else rng.choice((". ", ", ", "\n"))
        text = f"{text}{sep}{rng.choice(SIGNOFFS[table]).format(m=me)}"
    if rng.random() < 0.14:
        emoji = rng.choice(HOSTILE_EMOJIS if hostile else EMOJIS) * rng.choice((1, 1, 1, 2, 3))
        text = f"{emoji} {text}" if rng.random() < 0.15 else f"{text} {emoji}"
    return text.strip()
