"""The :class:`Span` a detector returns and the small regex-rule engine most detectors use.

Span kinds (``Span.kind``), grouped by the label they hint at:

- off_platform: ``phone``, ``email``, ``handle``, ``url``, ``app`` (messaging app or social
  network), ``contact`` (asks for / offers contact details), ``payment`` (bank transfer,
  wallet, payment app, crypto, cash meet-up)
- suspicious: ``secret_code``, ``secret_password``, ``secret_card``, ``secret_bank``,
  ``card_number``, ``impersonation``, ``account_threat``, ``verify``, ``urgency``,
  ``url_short``, ``url_lookalike``, ``prize``, ``overpayment``, ``review_bribe``,
  ``dispute_pressure``, ``gift_card``, ``manipulation`` (fake receipts, "mark it delivered")
- aggressive: ``insult``, ``profanity``, ``threat``, ``review_threat``, ``accusation``,
  ``dismissive``
- promise: ``promise_delivery``, ``promise_refund``, ``promise_dispute``
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from msgrisk.labels import AGGRESSIVE, OFF_PLATFORM, PROMISE, SUSPICIOUS

LABELS = (SUSPICIOUS, OFF_PLATFORM, AGGRESSIVE, PROMISE)

SPAN_KINDS: tuple[str, ...] = (
    "phone", "email", "handle", "url", "app", "contact", "payment",
    "secret_code", "secret_password", "secret_card", "secret_bank", "card_number",
    "impersonation", "account_threat", "verify", "urgency", "url_short", "url_lookalike",
    "prize", "overpayment", "review_bribe", "dispute_pressure", "gift_card", "manipulation",
    "insult", "profanity", "threat", "review_threat", "accusation", "dismissive",
    "promise_delivery", "promise_refund", "promise_dispute",
)


@dataclass(frozen=True)
class Span:
    """A detector hit; ``start``/``end`` index the ORIGINAL text and ``text`` is that slice."""

    label: str  # the risk label it hints at
    start: int
    end: int
    rule: str  # detector name
    text: str
    kind: str  # one of SPAN_KINDS
    #: The de-obfuscated form the detector matched ("whatsapp" for "w h a t s a p p").
    normalized: str = field(default="", compare=False)

    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.start, self.end, self.label, self.rule)


@dataclass(frozen=True)
class Hit:
    """A hit on the normalised text, before mapping back to the original."""

    start: int
    end: int
    label: str
    rule: str
    kind: str


@dataclass
class Found:
    """Everything the detectors report for one normalised text."""

    hits: list[Hit] = field(default_factory=list)
    negated: dict[str, int] = field(default_factory=dict)  # kind -> negated mentions

    def add(self, start: int, end: int, label: str, rule: str, kind: str) -> None:
        self.hits.append(Hit(start, end, label, rule, kind))

    def negate(self, kind: str) -> None:
        self.negated[kind] = self.negated.get(kind, 0) + 1


# Negation in the clause before a mention: "I don't use WhatsApp", "KX will never ask for".
NEGATION = re.compile(
    r"\b(?:don'?t|do not|dont|doesn'?t|does not|never|no|not|won'?t|will not|wont|can'?t|"
    r"cannot|nuh|nah|without|avoid|refuse|instead of|rather than|isn'?t|aren'?t|shouldn'?t|"
    r"should not|neva|nor|stop using|beware|careful|warning|ignore|report)\b"
)
# Idioms that contain a negation word but do not negate what follows.
NOT_NEGATION = re.compile(
    r"\b(?:don'?t worry|no worries|no problem|no prob|not sure|no rush|no stress|"
    r"not a problem|no need to wait|why not|if not|no matter|if (?:you|u) don'?t|unless|"
    r"don'?t (?:put|post|type|write) (?:it|the code|the \w+) (?:in|here))\b"
)
# Negation after the mention: "WhatsApp is not allowed here".
NEGATION_AFTER = re.compile(
    r"^[\s,]{0,3}(?:is|are|isn'?t|aren'?t)?\s*(?:not allowed|not permitted|isn'?t allowed|"
    r"against (?:the )?(?:rules|policy|terms)|prohibited|banned|forbidden|not safe)"
    r"|^[^.!?]{0,30}(?:only for you|don'?t share|do not share|never share|keep it (?:private|secret))"
)
# "until/unless/if/before" open a new clause: "won't ship until you confirm your password"
# is a demand, not a negated request
_CLAUSE_END = re.compile(r"[.!?;\n]|\bbut\b|\bso\b|\bthen\b|\buntil\b|\bunless\b|\btill\b|\bif\b|"
                         r"\bbefore\b|\botherwise\b")


def clause_before(text: str, start: int, width: int = 60) -> str:
    """The text of the current clause before ``start`` (at most ``width`` characters)."""
    window = text[max(0, start - width) : start]
    cut = max((m.end() for m in _CLAUSE_END.finditer(window)), default=0)
    return window[cut:]


def is_negated(text: str, start: int, end: int) -> bool:
    """A negation in the clause before the span or a prohibition right after it."""
    before = clause_before(text, start, 50)
    if NEGATION.search(NOT_NEGATION.sub(" ", before)):
        return True
    return bool(NEGATION_AFTER.match(text, end, min(len(text), end + 40)))


_SENTENCE_END = re.compile(r"[.!?\n]")


def is_question(text: str, pos: int) -> bool:
    """Whether the sentence containing ``pos`` ends with a question mark (looking 300 chars on)."""
    m = _SENTENCE_END.search(text, pos, pos + 300)
    return bool(m and m.group(0) == "?")


@dataclass(frozen=True)
class Rule:
    """A regex detector: every match is a hit unless a guard rejects it.

    ``triggers``: cheap substrings, one of which must occur before the regex runs.
    ``needs``: a regex that must match in the clause before the hit (or in the whole text
    when ``needs_anywhere``).  ``blocks``: a regex in the text that vetoes the hit.
    """

    rule: str
    label: str
    kind: str
    pattern: re.Pattern[str]
    triggers: tuple[str, ...] = ()
    negatable: bool = True
    needs: re.Pattern[str] | None = None
    needs_anywhere: bool = False
    blocks: re.Pattern[str] | None = None
    group: int | str = 0
    no_question: bool = False
    veto_before: re.Pattern[str] | None = None

    def run(self, text: str, found: Found) -> None:
        """Append this rule's hits on ``text`` to ``found``."""
        if self.triggers:
            for t in self.triggers:
                if t in text:
                    break
            else:
                return
        # whole-text guards do not depend on the match: evaluate them once per text, not
        # once per match (per-match whole-text searches made long inputs quadratic)
        blocked: bool | None = None
        needed_anywhere: bool | None = None
        for m in self.pattern.finditer(text):
            start, end = m.span(self.group)
            if start < 0 or start == end:
                continue
            if self.negatable and is_negated(text, m.start(), m.end()):
                found.negate(self.kind)
                continue
            if self.needs is not None:
                if self.needs_anywhere:
                    if needed_anywhere is None:
                        needed_anywhere = bool(self.needs.search(text))
                    in_scope = needed_anywhere
                else:
                    in_scope = bool(self.needs.search(clause_before(text, m.start(), 80)))
                after = text[m.end() : m.end() + 40]
                if not (in_scope or self.needs.search(m.group(0))
                        or self.needs.search(after.split(".")[0])):
                    continue
            if self.veto_before is not None and self.veto_before.search(
                clause_before(text, m.start(), 60)
            ):
                continue
            if self.blocks is not None:
                if blocked is None:
                    blocked = bool(self.blocks.search(text))
                if blocked:
                    continue
            if self.no_question and is_question(text, m.end()):
                continue
            found.add(start, end, self.label, self.rule, self.kind)


def rx(pattern: str) -> re.Pattern[str]:
    """Compile a verbose-free detector pattern (texts are already lowercased)."""
    return re.compile(pattern)


def words(*alternatives: str) -> str:
    """``\\b(?:a|b|c)\\b`` from alternatives (each may itself be a regex)."""
    return r"\b(?:" + "|".join(alternatives) + r")\b"
