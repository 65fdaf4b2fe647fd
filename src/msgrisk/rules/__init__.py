"""Rules: normalisation, detectors, labeling functions (one registry for labeling and predict).

Importing this package registers the ``msgrisk_detectors`` spaCy factory, so a pipeline
saved with ``build_nlp().to_disk(path)`` loads with ``spacy.load(path)`` afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from msgrisk.rules import lfs as _lfs  # noqa: F401  (registers the labeling functions)
from msgrisk.rules.normalize import Normalized, normalize
from msgrisk.rules.parsed import FEATURE_NAMES, ParsedMessage
from msgrisk.rules.pipeline import COMPONENT, TEXT_KEY, build_nlp, default_nlp, detect
from msgrisk.rules.registry import ABSTAIN, LABELING_FUNCTIONS, LabelingFunction, rules_version
from msgrisk.rules.spans import SPAN_KINDS, Span

RULES_VERSION: str = rules_version()

#: Placeholder per span kind for :func:`redact`; kinds not listed are left in clear.
REDACT_MASKS: dict[str, str] = {
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "handle": "[HANDLE]",
    "url": "[URL]",
    "url_short": "[URL]",
    "url_lookalike": "[URL]",
    "card_number": "[CARD]",
}
_MASK_PRIORITY = ("[CARD]", "[EMAIL]", "[URL]", "[PHONE]", "[HANDLE]")

__all__ = [
    "ABSTAIN",
    "COMPONENT",
    "FEATURE_NAMES",
    "LABELING_FUNCTIONS",
    "MAX_RUN",
    "RULES_VERSION",
    "SPAN_KINDS",
    "LabelingFunction",
    "Normalized",
    "ParsedMessage",
    "Span",
    "break_long_runs",
    "build_nlp",
    "describe",
    "detect",
    "normalize",
    "parse",
    "parse_batch",
    "redact",
    "sanitize",
]


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"message text must be str, got {type(text).__name__}")
    return text


def _from_doc(text: str, doc: Any, seen: str | None = None) -> ParsedMessage:
    """``seen``: the text the pipeline was given (``doc.text``, which spaCy's lossless
    tokenizer reproduces exactly; passing it saves rebuilding it from the tokens)."""
    if seen is None:
        seen = doc.text
    underscore = doc._
    spans = list(underscore.msgrisk_spans)
    if seen != text:  # sanitised: span offsets hold, but the text must be the original's
        spans = [replace(s, text=text[s.start:s.end]) for s in spans]
    return ParsedMessage(
        text=text,
        normalized=underscore.msgrisk_normalized,
        spans=spans,
        doc=doc,
        negated=dict(underscore.msgrisk_negated),
    )


_SURROGATE = re.compile("[\ud800-\udfff]")
#: Longest whitespace-free run handed to spaCy. Its tokenizer is quadratic in the length of
#: punctuation/emoji runs (5,000 "😀" took 7 s, 1,024 × '"\'' 1.1 s); no corpus token exceeds 55.
MAX_RUN = 64


def break_long_runs(text: str, max_run: int = MAX_RUN) -> str:
    """Put a space at every ``max_run``-th char of longer whitespace-free runs (same length)."""
    def cut(match: re.Match[str]) -> str:
        run = match.group(0)
        return "".join(run[i:i + max_run - 1] + " " if i + max_run <= len(run) else run[i:]
                       for i in range(0, len(run), max_run))

    return re.sub(rf"\S{{{max_run + 1},}}", cut, text)  # re caches the compiled pattern


def sanitize(text: str) -> str:
    """What spaCy and the detectors see: lone surrogates replaced (spaCy cannot hash them)
    and very long runs broken. Same length, so offsets into the original text still hold."""
    if not text.isascii():
        text = _SURROGATE.sub("\ufffd", text)
    return break_long_runs(text)


_safe = sanitize


def parse(text: str, nlp: Language | None = None) -> ParsedMessage:
    """Normalise, tokenise/lemmatise and run every detector on one message."""
    return parse_batch([_check_text(text)], nlp)[0]


def parse_batch(
    texts: Sequence[str], nlp: Language | None = None, batch_size: int = 256
) -> list[ParsedMessage]:
    """:func:`parse` for many messages through ``nlp.pipe`` (same results, faster)."""
    for text in texts:
        _check_text(text)
    pipeline = nlp if nlp is not None else default_nlp()
    if COMPONENT not in pipeline.pipe_names:
        raise ValueError(
            f"the pipeline has no {COMPONENT!r} component (has {pipeline.pipe_names}); "
            "build it with msgrisk.rules.build_nlp()"
        )
    safe = [_safe(t) for t in texts]
    docs = pipeline.pipe(_tokenized(pipeline, safe), batch_size=batch_size)
    return [_from_doc(text, doc, seen)
            for text, seen, doc in zip(texts, safe, docs, strict=True)]


def _tokenized(pipeline: Language, texts: Sequence[str]) -> Iterator[Doc]:
    """Tokenized docs carrying their text for the detector component (see TEXT_KEY)."""
    for text in texts:
        doc = pipeline.make_doc(text)
        doc.user_data[TEXT_KEY] = text
        yield doc


def _parse_light(text: str) -> ParsedMessage:
    """Detectors without spaCy (redaction and description need no tokens)."""
    result = detect(_check_text(text))
    return ParsedMessage(text=text, normalized=result.normalized.text, spans=list(result.spans),
                         negated=result.negated)


def redact(text: str) -> str:
    """Mask phones, e-mails, handles, URLs and card numbers as ``[PHONE]``, ``[EMAIL]`` ..."""
    spans = [s for s in detect(_check_text(text)).spans if s.kind in REDACT_MASKS]
    if not spans:
        return text
    spans.sort(key=lambda s: (s.start, -s.end))
    merged: list[list[Any]] = []
    for span in spans:
        mask = REDACT_MASKS[span.kind]
        if merged and span.start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], span.end)
            if _MASK_PRIORITY.index(mask) < _MASK_PRIORITY.index(last[2]):
                last[2] = mask
        else:
            merged.append([span.start, span.end, mask])
    out, pos = [], 0
    for start, end, mask in merged:
        out.append(text[pos:start])
        out.append(mask)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def describe(text: str) -> list[dict[str, Any]]:
    """Spans as dicts (label, kind, rule, start, end, text) plus the LF votes, for the CLI."""
    msg = _parse_light(text)
    rows: list[dict[str, Any]] = [
        {"label": s.label, "kind": s.kind, "rule": s.rule, "start": s.start, "end": s.end,
         "text": s.text}
        for s in msg.spans
    ]
    return rows
