"""Detection on one text, and the spaCy pipeline that runs it.

The detectors are regexes over the *normalised* text (plus libphonenumber), because
de-obfuscation changes lengths and a token Matcher would only see the original
spelling.  Their hits are mapped back to original offsets here, so every span
satisfies ``text[span.start:span.end] == span.text``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import spacy
from spacy.attrs import LEMMA, ORTH
from spacy.errors import Errors
from spacy.lang.en import English, EnglishLemmatizer
from spacy.language import Language
from spacy.tokens import Doc

from msgrisk.labels import SUSPICIOUS
from msgrisk.rules.contact import find_contact, find_phones
from msgrisk.rules.fraud import find_fraud
from msgrisk.rules.normalize import Normalized, normalize
from msgrisk.rules.prefilter import ALL, DETECTORS
from msgrisk.rules.spans import Found, Span
from msgrisk.rules.tone import find_tone

COMPONENT = "msgrisk_detectors"
#: Factory of the cached lookup lemmatizer; the component itself keeps the name "lemmatizer".
LEMMATIZER_FACTORY = "msgrisk_lemmatizer"

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


def detect(text: str, *, prefilter: bool = True) -> Detection:
    """Run every detector on ``text``; spans index the original string.

    ``prefilter``: skip the regexes none of whose required literals occurs in the
    normalised text (one scan, :mod:`msgrisk.rules.prefilter`); the result is the same
    either way, ``False`` exists for tests and benchmarks."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    norm = normalize(text)
    found = Found()
    mask = DETECTORS.scan(norm.text) if prefilter else ALL
    find_contact(norm.text, found, mask)
    find_fraud(norm.text, found, mask)
    find_tone(norm.text, found, mask)
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


#: ``doc.user_data`` key under which :func:`msgrisk.rules.parse_batch` hands the
#: component the text it tokenized (popped by the component).
TEXT_KEY = "msgrisk_text"


class DetectorComponent:
    """spaCy component storing detector results on ``doc._.msgrisk_*`` (stateless)."""

    def __init__(self, nlp: Language, name: str) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        # the text parse_batch tokenized, when it left it (``doc.text`` rebuilds the string
        # from the tokens: ~15 µs a message); equal to doc.text by construction
        text = doc.user_data.pop(TEXT_KEY, None)
        result = detect(doc.text if text is None else text)
        underscore = doc._  # one Underscore object for the three writes
        underscore.msgrisk_spans = result.spans
        underscore.msgrisk_normalized = result.normalized.text
        underscore.msgrisk_negated = result.negated
        return doc


class CachedLookupLemmatizer(EnglishLemmatizer):
    """spaCy's lookup lemmatizer with the table lookup cached per ``orth``.

    Same lemmas as the stock component in ``mode="lookup"`` (``table.get(text, text)``,
    only on tokens whose lemma is unset unless ``overwrite``), but reads and writes the
    lemmas as one attribute array instead of creating a ``Token`` per word, and looks up
    each distinct word once per process.  Other modes run the stock code.  The lemma
    strings are added to the ``StringStore`` for every doc, as ``token.lemma_ = ...``
    does, so a cache entry never points at a string a memory zone has dropped.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lemma_of: dict[int, str | None] = {}  # orth -> lemma (None: the word itself)

    def initialize(self, get_examples: Callable[[], Any] | None = None, *,
                   nlp: Language | None = None, lookups: Any = None) -> None:
        super().initialize(get_examples, nlp=nlp, lookups=lookups)
        self._lemma_of = {}

    def from_disk(self, path: Any, *, exclude: Any = ()) -> CachedLookupLemmatizer:
        super().from_disk(path, exclude=exclude)
        self._lemma_of = {}
        return self

    def from_bytes(self, bytes_data: bytes, *, exclude: Any = ()) -> CachedLookupLemmatizer:
        super().from_bytes(bytes_data, exclude=exclude)
        self._lemma_of = {}
        return self

    def _lookup(self, orth: int) -> str | None:
        table = self.lookups.get_table("lemma_lookup", {})
        result = table.get(orth, None)  # Table keys are the string hashes, i.e. orth
        lemma = None if result is None else result if isinstance(result, str) else result[0]
        if len(self._lemma_of) < 500_000:  # bounded: hostile input cannot grow it forever
            self._lemma_of[orth] = lemma
        return lemma

    def __call__(self, doc: Doc) -> Doc:
        if self.mode != "lookup":
            return super().__call__(doc)
        if not self._validated:
            self._validate_tables(Errors.E1004)
        if len(doc) == 0:
            return doc
        error_handler = self.get_error_handler()
        try:
            cache_get = self._lemma_of.get
            add = doc.vocab.strings.add
            missing = object()
            rows = doc.to_array([ORTH, LEMMA]).tolist()
            lemmas = []
            for orth, lemma in rows:
                if lemma == 0 or self.overwrite:
                    found = cache_get(orth, missing)
                    if found is missing:
                        found = self._lookup(orth)
                    lemma = orth if found is None else add(found)
                lemmas.append(lemma)
            doc.from_array([LEMMA], np.asarray(lemmas, dtype=np.uint64).reshape(-1, 1))
            return doc
        except Exception as e:
            error_handler(self.name, self, [doc], e)  # raises unless a handler was set
            return doc


@English.factory(
    LEMMATIZER_FACTORY,
    assigns=["token.lemma"],
    default_config={
        "model": None,
        "mode": "lookup",
        "overwrite": False,
        "scorer": {"@scorers": "spacy.lemmatizer_scorer.v1"},
    },
    default_score_weights={"lemma_acc": 1.0},
)
def make_cached_lemmatizer(nlp: Language, model: Any, name: str, mode: str, overwrite: bool,
                           scorer: Callable[..., Any] | None) -> CachedLookupLemmatizer:
    """Factory registered on ``import msgrisk.rules`` (like ``msgrisk_detectors``)."""
    return CachedLookupLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite,
                                  scorer=scorer)


@Language.factory(COMPONENT)
def make_detectors(nlp: Language, name: str) -> DetectorComponent:
    """Factory registered on ``import msgrisk.rules`` so saved pipelines load again."""
    return DetectorComponent(nlp, name)


def build_nlp() -> Language:
    """``spacy.blank("en")`` + cached lookup lemmatizer (named "lemmatizer") + detectors."""
    nlp = spacy.blank("en")
    nlp.add_pipe(LEMMATIZER_FACTORY, name="lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lookup tables from spacy-lookups-data
    nlp.add_pipe(COMPONENT, last=True)
    return nlp


@cache
def default_nlp() -> Language:
    """A process-wide pipeline for callers that pass ``nlp=None``."""
    return build_nlp()
