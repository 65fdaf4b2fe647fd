"""Literal prefilter: skip a detector regex when the text cannot hold one of its matches.

Most detector patterns are long alternations (``\\b(?:otp|one time code|...)\\b``) that
the ``re`` engine tries at every position of every message, although on a typical
message none of their words occurs.  This module

1. extracts from each pattern a *cover*: a set of literal substrings such that every
   match of the pattern contains at least one of them (:func:`required_literals`; it walks
   the parse tree of ``re._parser`` and gives up, returning ``None``, on anything it
   cannot prove, e.g. an alternative without a mandatory literal or case-insensitive
   flags), and
2. finds, in one regex scan per text, which of all the covers' literals occur in it and
   turns that into a bitmask of the gates that passed (:class:`Prefilter`).

A gate is a group of literals of which at least one must occur: a pattern's cover, or the
hand-declared ``Rule.triggers``.  A detector "may fire" when all of its gates passed;
a detector without any extractable gate always runs.  Skipping a regex that cannot match
is output-preserving by construction: the detectors only report (or count negations of)
actual matches.  ``tests/test_rules_prefilter.py`` checks the covers against every match
on a corpus sample and hostile strings.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

try:  # Python 3.11+
    import re._constants as _c
    import re._parser as _p
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

Cover = frozenset[str]

_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", _c.MAX_REPEAT)}
#: Flags under which a LITERAL no longer means "exactly this character".
_CASE_FLAGS = re.IGNORECASE | re.LOCALE


#: Largest literal set tracked per node; bigger sets are dropped (the analysis stays sound).
_CAP = 128
#: Largest character class expanded into its characters ("[o0]tp" -> "otp", "0tp").
_CLASS_CAP = 4


@dataclass(frozen=True)
class _Info:
    """What is provable about the strings a regex node matches.

    ``exact``: every string it can match (``""`` included when it can match empty);
    ``prefix``/``suffix``: every match starts/ends with one of these (never ``""``);
    ``cover``: every match contains one of these (never ``""``).  ``None``: unknown.
    """

    exact: frozenset[str] | None = None
    prefix: frozenset[str] | None = None
    suffix: frozenset[str] | None = None
    cover: frozenset[str] | None = None


_UNKNOWN = _Info()
_EMPTY = _Info(exact=frozenset([""]))


def _nonempty(strings: frozenset[str] | None) -> frozenset[str] | None:
    """``strings`` if it is a usable literal set (small, no empty string), else None."""
    if not strings or "" in strings or len(strings) > _CAP:
        return None
    return strings


def _product(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """Every ``x + y``; None when either side is unknown or the result too big."""
    if a is None or b is None or len(a) * len(b) > _CAP:
        return None
    return frozenset(x + y for x in a for y in b)


def _valid(cover: frozenset[str] | None) -> bool:
    return bool(cover) and "" not in cover  # type: ignore[operator]


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two covers: longer shortest literal, then fewer literals."""
    if not _valid(a):
        return b if _valid(b) else None
    if not _valid(b):
        return a
    assert a is not None and b is not None
    ka = (min(map(len, a)), -len(a))
    kb = (min(map(len, b)), -len(b))
    return b if kb > ka else a


def _starts(info: _Info) -> frozenset[str] | None:
    """Literals every match starts with (its exact strings when known and non-empty)."""
    return _nonempty(info.exact) if info.exact is not None else info.prefix


def _ends(info: _Info) -> frozenset[str] | None:
    """Literals every match ends with."""
    return _nonempty(info.exact) if info.exact is not None else info.suffix


def _best_cover(info: _Info) -> frozenset[str] | None:
    best = info.cover
    for candidate in (_nonempty(info.exact), info.prefix, info.suffix):
        best = _better(best, candidate)
    return best


def _concat(a: _Info, b: _Info) -> _Info:
    """Info of ``a`` followed by ``b``."""
    exact = _product(a.exact, b.exact)
    if a.exact is not None:
        prefix = (_nonempty(exact) if exact is not None else None) \
            or _product(a.exact, b.prefix if b.exact is None else None) or _nonempty(a.exact)
    else:
        prefix = a.prefix
    if b.exact is not None:
        suffix = (_nonempty(exact) if exact is not None else None) \
            or _product(a.suffix if a.exact is None else None, b.exact) or _nonempty(b.exact)
    else:
        suffix = b.suffix
    cover = _better(_best_cover(a), _best_cover(b))
    cover = _better(cover, _product(_ends(a), _starts(b)))
    return _Info(exact=exact, prefix=_nonempty(prefix), suffix=_nonempty(suffix), cover=cover)


def _alternate(infos: Sequence[_Info]) -> _Info:
    """Info of ``infos[0] | infos[1] | ...``."""

    def union(sets: Iterable[frozenset[str] | None], cap: int = _CAP) -> frozenset[str] | None:
        out: set[str] = set()
        for s in sets:
            if s is None:
                return None
            out |= s
        return frozenset(out) if len(out) <= cap else None

    return _Info(
        exact=union(i.exact for i in infos),
        prefix=_nonempty(union(_starts(i) for i in infos)),
        suffix=_nonempty(union(_ends(i) for i in infos)),
        cover=union((_best_cover(i) for i in infos), cap=1 << 30),
    )


def _class_chars(items: Sequence[tuple[object, object]]) -> frozenset[str] | None:
    """The characters of a small class of plain literals/ranges, else None."""
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))  # type: ignore[arg-type]
        elif op is _c.RANGE and av[1] - av[0] < _CLASS_CAP:  # type: ignore[index,operator]
            chars.update(chr(x) for x in range(av[0], av[1] + 1))  # type: ignore[index]
        else:
            return None
    return frozenset(chars) if 0 < len(chars) <= _CLASS_CAP else None


def _info_seq(items: Iterable[tuple[object, object]], flags: int) -> _Info:
    info = _EMPTY
    for item in items:
        info = _concat(info, _info_item(item, flags))
    return info


def _info_item(item: tuple[object, object], flags: int) -> _Info:
    op, av = item
    if op is _c.LITERAL:
        if flags & _CASE_FLAGS:
            return _UNKNOWN
        return _Info(exact=frozenset([chr(av)]))  # type: ignore[arg-type]
    if op is _c.IN:
        chars = None if flags & _CASE_FLAGS else _class_chars(av)  # type: ignore[arg-type]
        return _Info(exact=chars) if chars is not None else _UNKNOWN
    if op is _c.AT or op is _c.ASSERT or op is _c.ASSERT_NOT:
        return _EMPTY  # zero-width: the match string is unaffected
    if op is _c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av  # type: ignore[misc]
        return _info_seq(sub, (flags | add_flags) & ~del_flags)
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _info_seq(av, flags)  # type: ignore[arg-type]
    if op is _c.BRANCH:
        _none, alternatives = av  # type: ignore[misc]
        return _alternate([_info_seq(alt, flags) for alt in alternatives])
    if op in _REPEATS:
        lo, hi, sub = av  # type: ignore[misc]
        inner = _info_seq(sub, flags)
        if lo == 0:
            if hi == 1 and inner.exact is not None:
                return _Info(exact=inner.exact | {""})
            return _EMPTY if hi == 0 else _UNKNOWN
        if lo == hi == 1:
            return inner
        cover = _best_cover(inner)
        if lo >= 2 and inner.exact is not None:  # two copies back to back: "xx", "0tp0tp"
            cover = _better(cover, _best_cover(_concat(inner, inner)))
        return _Info(prefix=_starts(inner), suffix=_ends(inner), cover=cover)
    return _UNKNOWN  # ANY, categories, back-references, conditionals: nothing provable


def _minimal(cover: Cover) -> Cover:
    """Drop literals that contain another literal of the cover (the shorter one suffices)."""
    return frozenset(s for s in cover if not any(o != s and o in s for o in cover))


def required_literals(pattern: re.Pattern[str] | str) -> Cover | None:
    """Literal substrings one of which every match of ``pattern`` contains, or ``None``.

    ``None`` means no such set could be proven (the pattern must always run).  Empty
    literals are never returned: a pattern that can match the empty string has no cover.
    """
    source, flags = (pattern.pattern, pattern.flags) if isinstance(pattern, re.Pattern) \
        else (pattern, 0)
    if not isinstance(source, str) or flags & _CASE_FLAGS:
        return None
    parsed = _p.parse(source, flags)
    cover = _best_cover(_info_seq(list(parsed), parsed.state.flags))
    if not cover or any(not s for s in cover):
        return None
    return _minimal(cover)


@dataclass(frozen=True)
class Gates:
    """The gate bits a detector needs (all of them must be set in a scan's mask)."""

    need: int = 0

    def allows(self, mask: int) -> bool:
        """Whether a text with scan result ``mask`` may hold a match (``ALL`` allows all)."""
        return mask & self.need == self.need


#: A mask with every gate set: pass it to a detector to switch the prefilter off.
ALL = -1


class Prefilter:
    """One scan per text for the literals of many gates; see the module docstring.

    ``add(*gates)`` registers a detector with its gates (each an iterable of literals, or
    ``None`` for "no gate") and returns its :class:`Gates`; ``scan(text)`` returns the
    bitmask of gates with at least one literal in ``text``.  Detectors are registered at
    import; the scan regex is compiled on the first scan after a registration.
    """

    def __init__(self) -> None:
        self._literal_bits: dict[str, int] = {}
        self._gate_ids: dict[frozenset[str], int] = {}
        self._lock = threading.Lock()
        # (scan regex, literal -> mask) swapped in as one tuple, so a scan never sees a
        # regex and a mask table from two different registrations
        self._compiled: tuple[re.Pattern[str], dict[str, int]] | None = None

    def gate(self, literals: Iterable[str]) -> int:
        """The bit of the gate "one of ``literals`` occurs" (shared by equal gates)."""
        key = frozenset(literals)
        if not key or any(not s for s in key):
            raise ValueError("a gate needs non-empty literals")
        with self._lock:
            bit = self._gate_ids.get(key)
            if bit is None:
                bit = 1 << len(self._gate_ids)
                self._gate_ids[key] = bit
                for s in key:
                    self._literal_bits[s] = self._literal_bits.get(s, 0) | bit
                self._compiled = None
        return bit

    def add(self, *gates: Iterable[str] | None) -> Gates:
        """Register a detector needing every one of ``gates`` (``None`` entries are ignored)."""
        need = 0
        for literals in gates:
            if literals is not None:
                need |= self.gate(literals)
        return Gates(need)

    def add_pattern(self, pattern: re.Pattern[str] | str,
                    triggers: Iterable[str] | None = None) -> Gates:
        """Register a regex detector: its cover (if provable) and optional trigger words."""
        return self.add(required_literals(pattern), tuple(triggers) if triggers else None)

    def _compile(self) -> tuple[re.Pattern[str], dict[str, int]]:
        with self._lock:
            if self._compiled is not None:
                return self._compiled
            bits = dict(self._literal_bits)
            # The scan reports, at each position, the LONGEST literal starting there (see
            # _trie_regex); every other literal starting there is a prefix of it, so each
            # literal stands for its own gates and those of its prefixes that are literals.
            mask_of = {s: _or(bits.get(s[:i], 0) for i in range(1, len(s) + 1)) for s in bits}
            regex = re.compile("(?=(" + _trie_regex(bits) + "))", re.DOTALL) if bits \
                else re.compile(r"(?!)")
            self._compiled = (regex, mask_of)
            return self._compiled

    def scan(self, text: str) -> int:
        """Bitmask of the gates one of whose literals occurs in ``text``."""
        regex, mask_of = self._compiled or self._compile()
        mask = 0
        for literal in set(regex.findall(text)):
            mask |= mask_of[literal]
        return mask

    @property
    def literals(self) -> tuple[str, ...]:
        """Every literal any gate looks for."""
        return tuple(self._literal_bits)


#: The process-wide prefilter the detector modules register with at import.
DETECTORS = Prefilter()


def rule_gates(rules: Iterable[Any]) -> tuple[Gates, ...]:
    """Register each ``Rule``'s pattern and trigger words with :data:`DETECTORS`; one
    :class:`Gates` per rule, in order (zip them with the rules at run time)."""
    return tuple(DETECTORS.add_pattern(rule.pattern, rule.triggers) for rule in rules)


def _trie_regex(literals: Iterable[str]) -> str:
    """An alternation of ``literals`` as a prefix trie, longer continuations tried first.

    ``re`` skips an alternative on its first character, so a trie costs a handful of
    character tests per position instead of one per literal; trying a node's children
    before ending at the node makes the match at a position the longest literal there.
    """
    trie: dict[str, dict] = {}
    for s in literals:
        node = trie
        for ch in s:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if "" in node:
            alts.append("")
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    return emit(trie)


def _or(values: Iterable[int]) -> int:
    out = 0
    for v in values:
        out |= v
    return out
