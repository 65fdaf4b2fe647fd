"""Detection on one text, and the spaCy pipeline that runs it.

The detectors are regexes over the *normalised* text (plus libphonenumber), because
de-obfuscation changes lengths and a token Matcher would only see the original
spelling.  Their hits are mapped back to original offsets here, so every span
satisfies ``text[span.start:span.end] == span.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from msgrisk.labels import SUSPICIOUS
from msgrisk.rules.contact import find_contact, find_phones
from msgrisk.rules.fraud import find_fraud
from msgrisk.rules.normalize import Normalized, normalize
from msgrisk.rules.spans import Found, Span
from msgrisk.rules.tone import find_tone

COMPONENT = "msgrisk_detectors"

_DIGIT_RUN = re.compile(r"\d[\d \-]{11}")
_CARD_NUMBER = re.compile(r"(?<![\w\-])\d(?:[ \-]?\d){12,18}(?![\w\-])")


@dataclass(frozen=True)
class Detection:
    """Normalised text, spans on the original text, and negated-mention counts per kind."""

    normalized: Normalized
    spans: tuple[Span, ...]
    negated: dict[str, int]


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _find_cards(text: str, found: Found) -> None:
    """Payment card numbers (13-19 digits passing Luhn), masked as ``[CARD]``."""
    for m in _CARD_NUMBER.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and _luhn(digits):
            found.add(m.start(), m.end(), SUSPICIOUS, "card_number", "card_number")


def detect(text: str) -> Detection:
    """Run every detector on ``text``; spans index the original string."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    norm = normalize(text)
    found = Found()
    find_contact(norm.text, found)
    find_fraud(norm.text, found)
    find_tone(norm.text, found)
    if _DIGIT_RUN.search(norm.text):
        _find_cards(norm.text, found)
    spans: dict[tuple[str, str, int, int], Span] = {}
    for hit in found.hits:
        start, end = norm.to_original(hit.start, hit.end)
        _add(spans, text, start, end, hit.label, hit.rule, hit.kind, norm.text[hit.start : hit.end])
    if norm.starts is not None:
        # libphonenumber also sees the raw text, in case normalisation merged too much.
        raw = Found()
        find_phones(text, raw)
        for hit in raw.hits:
            if not any(s.kind == "phone" and s.start < hit.end and hit.start < s.end
                       for s in spans.values()):
                _add(spans, text, hit.start, hit.end, hit.label, hit.rule, hit.kind,
                     text[hit.start : hit.end].lower())
    ordered = tuple(sorted(spans.values(), key=Span.sort_key))
    return Detection(normalized=norm, spans=ordered, negated=dict(found.negated))


def _add(spans: dict[tuple[str, str, int, int], Span], text: str, start: int, end: int,
         label: str, rule: str, kind: str, normalized: str) -> None:
    """Trim surrounding whitespace and keep one span per (label, kind, offsets)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return
    spans.setdefault((label, kind, start, end),
                     Span(label=label, start=start, end=end, rule=rule, text=text[start:end],
                          kind=kind, normalized=normalized.strip()))


for _name in ("msgrisk_spans", "msgrisk_normalized", "msgrisk_negated"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


class DetectorComponent:
    """spaCy component storing detector results on ``doc._.msgrisk_*`` (stateless)."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        result = detect(doc.text)
        doc._.msgrisk_spans = result.spans
        doc._.msgrisk_normalized = result.normalized.text
        doc._.msgrisk_negated = result.negated
        return doc


@Language.factory(COMPONENT)
def make_detectors(nlp: Language, name: str) -> DetectorComponent:
    """Factory registered on ``import msgrisk.rules`` so saved pipelines load again."""
    return DetectorComponent(nlp, name)


def build_nlp() -> Language:
    """``spacy.blank("en")`` + lookup lemmatizer + the msgrisk detector component."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    nlp.add_pipe(COMPONENT, last=True)
    return nlp


@cache
def default_nlp() -> Language:
    """A process-wide pipeline for callers that pass ``nlp=None``."""
    return build_nlp()
