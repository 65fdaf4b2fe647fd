"""Typo repair for the few words the detectors key on ("nubmer", "rfeund", "thieef").

Every single-edit variant (delete, transpose, substitute, insert) of each keyword in
``lexicons/keywords.txt`` maps back to the keyword, except variants that are real words
(``lexicons/typo_exclusions.txt``, generated from spaCy's English lexeme probabilities by
``python -m msgrisk.rules.typos``).  Built once at import, then one dict lookup per word.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
WORD = re.compile(r"(?<![a-z'])[a-z]{4,20}(?![a-z'])")


def _lines(name: str) -> list[str]:
    text = resources.files("msgrisk.rules").joinpath("lexicons", name).read_text("utf-8")
    return [ln.split("#", 1)[0].strip() for ln in text.splitlines() if ln.split("#", 1)[0].strip()]


def keywords() -> list[str]:
    """The words typo repair restores."""
    return _lines("keywords.txt")


def edits1(word: str) -> set[str]:
    """All strings one edit away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    inserts = {a + c + b for a, b in splits for c in _ALPHABET}
    return (deletes | transposes | replaces | inserts) - {word}


@cache
def typo_map() -> dict[str, str]:
    """variant -> keyword; variants shared by two keywords or equal to a real word are left out."""
    exclusions = set(_lines("typo_exclusions.txt"))
    words = keywords()
    protected = set(words) | exclusions
    out: dict[str, str] = {}
    clashes: set[str] = set()
    for word in words:
        if len(word) < 5:
            continue  # short words have too many real-word neighbours
        for variant in edits1(word):
            if variant in protected or len(variant) < 4:
                continue
            if variant in out and out[variant] != word:
                clashes.add(variant)
            out[variant] = word
    for variant in clashes:
        del out[variant]
    return out


def _write_exclusions() -> None:  # pragma: no cover - maintenance script
    """Regenerate ``typo_exclusions.txt`` from spacy-lookups-data lexeme probabilities."""
    import gzip
    import json
    from pathlib import Path

    import spacy_lookups_data

    data = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(data) as fh:
        probs = json.loads(fh.read())
    real = {w for w, p in probs.items() if p > -13.5 and w.isalpha()}
    found = sorted({v for w in keywords() if len(w) >= 5 for v in edits1(w) if v in real})
    target = Path(__file__).parent / "lexicons" / "typo_exclusions.txt"
    header = "# Real words one edit away from a keyword; never 'repaired'. Generated, do not edit.\n"
    target.write_text(header + "\n".join(found) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    _write_exclusions()
