"""The fitted featurizer and model as plain data: JSON vocabularies + numpy arrays.

A bundle stores what serving needs as data, not as pickled objects: ``features.json`` (the
blocks, their settings and their vocabularies in column order) and ``weights.npz`` (IDF
vectors, coefficients, intercepts, Platt parameters, thresholds). :func:`load` rebuilds a
:class:`FrozenFeaturizer` and a :class:`FrozenLinearModel` from them without unpickling
anything and without importing scikit-learn, so a bundle is data whatever its origin and
``from msgrisk import predict`` stays light.

The transform code lives here once: the scikit-learn estimators of
:mod:`msgrisk.training.features` and :mod:`msgrisk.training.model` call the same functions,
so a frozen bundle scores exactly like the estimators it was exported from (a test pins it).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from spacy.attrs import IS_PUNCT, IS_SPACE, LEMMA, ORTH

from msgrisk.labels import RISK_LABELS
from msgrisk.rules import ParsedMessage

FEATURES_FILE = "features.json"
WEIGHTS_FILE = "weights.npz"
#: Bumped when the layout of ``features.json`` / ``weights.npz`` changes.
FROZEN_FORMAT = 1

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_DIGIT = re.compile(r"\d")
_ASCII_DIGIT = re.compile(r"[0-9]")  # the only digits _WORD can contain

#: lemma/orth hash -> feature token (lower-cased, digits as ``0``); bounded, see lemma_tokens
_TOKEN_CACHE: dict[int, str] = {}
_TOKEN_CACHE_MAX = 500_000
#: words whose character n-gram columns a char block keeps per process
WORD_CACHE_MAX = 200_000
_TOKEN_ATTRS = (LEMMA, ORTH, IS_PUNCT, IS_SPACE)
#: name prefix of each n-gram view's columns
VIEW_PREFIX = {"lemma": "lem", "normalized": "norm"}


def lemma_tokens(message: ParsedMessage) -> list[str]:
    """Lower-cased lemmas of word-like tokens; digits collapsed to ``0`` (numbers vary, shape not).

    Reads the Doc as one attribute array instead of creating a ``Token`` per word (3-4x
    faster), and caches each distinct lemma's feature string by its hash; the cache is
    dropped when it outgrows ``_TOKEN_CACHE_MAX`` so hostile input cannot grow it forever.
    """
    doc = message.doc
    if doc is None or len(doc) == 0:
        return []
    strings = doc.vocab.strings
    cache = _TOKEN_CACHE
    out = []
    for lemma, orth, is_punct, is_space in doc.to_array(_TOKEN_ATTRS).tolist():
        if is_space or is_punct:
            continue
        key = lemma or orth  # an unset lemma (0) falls back to the text, as token.lemma_ or text
        token = cache.get(key)
        if token is None:
            if len(cache) >= _TOKEN_CACHE_MAX:
                cache.clear()
            token = cache[key] = _DIGIT.sub("0", strings[key].lower())
        out.append(token)
    return out


def normalized_tokens(message: ParsedMessage) -> list[str]:
    """Word tokens of the de-obfuscated text, digits collapsed to ``0``."""
    # digits -> 0 before splitting: same tokens (a digit only ever becomes a digit), one
    # regex pass per message instead of one per token
    return _WORD.findall(_ASCII_DIGIT.sub("0", message.normalized))


def view_tokens(view: str, messages: Sequence[ParsedMessage]) -> list[list[str]]:
    """Tokens of one n-gram view (``"lemma"`` or ``"normalized"``) per message."""
    if view == "lemma":
        return [lemma_tokens(m) for m in messages]
    if view == "normalized":
        return [normalized_tokens(m) for m in messages]
    raise ValueError(f"view must be 'lemma' or 'normalized', got {view!r}")


def csr(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]
        ) -> sp.csr_matrix:
    """CSR from triplets; rows arrive grouped in order, so indptr comes from a bincount."""
    # one int64 key (row-major cell number) sorted stably: the same order as
    # lexsort((cols, rows)) for these unique cells, ~8x faster on a batch
    order = np.argsort(np.asarray(rows, dtype=np.int64) * max(shape[1], 1) + cols,
                       kind="stable")
    # int32 indices when they fit: what scipy would downcast to anyway, without its
    # per-call scan of the arrays (~50 µs, most of a single message's matrix build)
    index = np.int32 if max(shape[1], len(vals)) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(shape[0] + 1, dtype=index)
    np.cumsum(np.bincount(rows, minlength=shape[0]), out=indptr[1:])
    return sp.csr_matrix((vals[order].astype(np.float32), cols[order].astype(index), indptr),
                         shape=shape)


def tfidf_values(rows: list[int], cols: list[int], counts: list[int], n_rows: int,
                 idf: np.ndarray, sublinear_tf: bool
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TfidfVectorizer's values for raw counts: (sublinear) tf × idf, L2-normalised per row."""
    row_a = np.asarray(rows, dtype=np.int64)
    col_a = np.asarray(cols, dtype=np.int64)
    tf = np.asarray(counts, dtype=np.float64)
    if sublinear_tf:
        tf = 1.0 + np.log(tf)
    vals = tf * idf[col_a]
    # bincount adds in input order like np.add.at (same float64 sums), several times faster
    norms = np.bincount(row_a, weights=vals * vals, minlength=n_rows)
    vals = vals / np.sqrt(norms[row_a]) if len(vals) else vals
    return row_a, col_a, vals.astype(np.float32)


def ngram_triplets(token_lists: Sequence[list[str]], vocab: dict[str, int],
                   ngram_range: tuple[int, int], idf: np.ndarray, sublinear_tf: bool
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, value) of word n-gram TF-IDF on a fitted vocabulary and IDF
    (``TfidfVectorizer.transform`` without its ~1 ms per-call validation)."""
    lo, hi = ngram_range
    rows: list[int] = []
    cols: list[int] = []
    counts: list[int] = []
    for r, tokens in enumerate(token_lists):
        seen: dict[int, int] = {}
        for n in range(lo, hi + 1):
            for i in range(len(tokens) - n + 1):
                gram = tokens[i] if n == 1 else " ".join(tokens[i:i + n])
                j = vocab.get(gram)
                if j is not None:
                    seen[j] = seen.get(j, 0) + 1
        rows.extend([r] * len(seen))
        cols.extend(seen)
        counts.extend(seen.values())
    return tfidf_values(rows, cols, counts, len(token_lists), idf, sublinear_tf)


def char_word_columns(word: str, vocab: dict[str, int], ngram_range: tuple[int, int]
                      ) -> tuple[int, ...]:
    """Vocabulary columns of one word's ``char_wb`` n-grams, one entry per occurrence
    (``char_wb`` n-grams never cross words, so a message's counts are the sum over its
    words and each word is analysed once per process)."""
    lo, hi = ngram_range
    w = f" {word} "
    size = len(w)
    out: list[int] = []
    for n in range(lo, hi + 1):
        for start in range(max(size - n + 1, 1)):
            j = vocab.get(w[start:start + n])
            if j is not None:
                out.append(j)
        if size <= n:  # sklearn counts a word shorter than n once, then stops
            break
    return tuple(out)


def char_triplets(messages: Sequence[ParsedMessage], vocab: dict[str, int],
                  ngram_range: tuple[int, int], idf: np.ndarray, sublinear_tf: bool,
                  cache: dict[str, tuple[int, ...]], cache_max: int = WORD_CACHE_MAX
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, value) of ``char_wb`` TF-IDF of the de-obfuscated text on a fitted
    vocabulary; ``cache`` maps words to their columns (cleared past ``cache_max``)."""
    if len(cache) > cache_max:  # bounded: hostile input cannot grow it forever
        cache.clear()
    rows: list[int] = []
    cols: list[int] = []
    counts: list[int] = []
    for r, message in enumerate(messages):
        per_word = []
        for word in message.normalized.lower().split():
            columns = cache.get(word)
            if columns is None:
                columns = cache[word] = char_word_columns(word, vocab, ngram_range)
            per_word.append(columns)
        seen = Counter(chain.from_iterable(per_word))
        rows.extend([r] * len(seen))
        cols.extend(seen)
        counts.extend(seen.values())
    return tfidf_values(rows, cols, counts, len(messages), idf, sublinear_tf)


def detector_triplets(messages: Sequence[ParsedMessage], keys: Sequence[str], scale: float
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, value) of the non-zero detector features, ``x / (1 + x)`` scaled."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    column = {key: j for j, key in enumerate(keys)}
    for i, message in enumerate(messages):
        for key, raw in message.nonzero_features().items():
            j = column.get(key)
            value = abs(float(raw)) if j is not None else 0.0
            if value:
                rows.append(i)
                cols.append(j)
                vals.append(scale * value / (1.0 + value))
    return (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
            np.asarray(vals, dtype=np.float32))


def stack_triplets(parts: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
                   widths: Sequence[int], n_rows: int) -> sp.csr_matrix:
    """One CSR from per-block triplets placed side by side (no hstack)."""
    offsets = np.cumsum([0, *widths])
    rows = np.concatenate([r for r, _, _ in parts])
    cols = np.concatenate([c + off for (_, c, _), off in zip(parts, offsets, strict=False)])
    vals = np.concatenate([v for _, _, v in parts])
    return csr(rows, cols, vals, (n_rows, int(offsets[-1])))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40.0, 40.0)))


def row_contributions(coef: np.ndarray, indices: np.ndarray, values: np.ndarray,
                      label_index: int, top: int | None = None) -> list[tuple[int, float]]:
    """(feature index, coef × value) of one CSR row's non-zeros, largest first; ``top`` keeps
    the first ``top`` of that order (same order and ties, without sorting the whole row)."""
    contrib = values * coef[label_index, indices]
    if top is not None and top < len(contrib):
        kth = np.partition(contrib, len(contrib) - top)[len(contrib) - top]
        candidates = np.flatnonzero(contrib >= kth)  # the top values and any ties
        order = candidates[np.argsort(-contrib[candidates], kind="stable")][:top]
    else:
        order = np.argsort(-contrib, kind="stable")
    return [(int(indices[k]), float(contrib[k])) for k in order]


class FrozenBlock:
    """One feature block as data: ``kind`` is ``ngram`` (with a ``view``), ``char`` or
    ``detector``; ``terms`` are the column names without prefix, in column order."""

    def __init__(self, spec: dict[str, Any], idf: np.ndarray | None):
        self.kind = str(spec["kind"])
        self.spec = spec
        self.terms: list[str] = list(spec["terms"])
        self.idf = idf
        self.vocab = {term: j for j, term in enumerate(self.terms)}
        self.ngram_range = tuple(spec.get("ngram_range", (1, 1)))
        self.sublinear_tf = bool(spec.get("sublinear_tf", True))
        self._word_cache: dict[str, tuple[int, ...]] = {}
        if self.kind not in {"ngram", "char", "detector"}:
            raise ValueError(f"unknown feature block kind {self.kind!r}")

    @property
    def prefix(self) -> str:
        if self.kind == "ngram":
            return VIEW_PREFIX[self.spec["view"]]
        return "chr" if self.kind == "char" else "det"

    def triplets(self, messages: Sequence[ParsedMessage]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.kind == "ngram":
            return ngram_triplets(view_tokens(self.spec["view"], messages), self.vocab,
                                  self.ngram_range, self.idf, self.sublinear_tf)
        if self.kind == "char":
            return char_triplets(messages, self.vocab, self.ngram_range, self.idf,
                                 self.sublinear_tf, self._word_cache)
        return detector_triplets(messages, self.terms, float(self.spec["scale"]))


class FrozenFeaturizer:
    """:class:`~msgrisk.training.features.MessageFeaturizer`'s transform, from data."""

    def __init__(self, blocks: list[FrozenBlock]):
        self.blocks = blocks
        self._names: np.ndarray | None = None

    def transform(self, messages: Sequence[ParsedMessage]) -> sp.csr_matrix:
        parts = [b.triplets(messages) for b in self.blocks]
        return stack_triplets(parts, [len(b.terms) for b in self.blocks], len(messages))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        if self._names is None:
            self._names = np.array([f"{b.prefix}:{t}" for b in self.blocks for t in b.terms],
                                   dtype=object)
        return self._names

    def detector_columns(self) -> np.ndarray:
        return np.flatnonzero([str(n).startswith("det:") for n in self.get_feature_names_out()])


class LinearScores:
    """Scoring of a fitted linear risk model, shared by the estimator
    (:class:`~msgrisk.training.model.LinearRiskModel`) and :class:`FrozenLinearModel`: needs
    ``coef_``, ``intercept_``, ``calib_a_``, ``calib_b_`` and ``thresholds_``."""

    coef_: np.ndarray
    intercept_: np.ndarray
    calib_a_: np.ndarray
    calib_b_: np.ndarray
    thresholds_: np.ndarray

    def _weights(self) -> np.ndarray:
        """``coef_.T`` as a contiguous array, cached: sparse @ a transposed *view* copies the
        whole matrix on every call (130 µs for one message vs 3 µs)."""
        cached = self.__dict__.get("_weights_cache")
        if cached is None or cached[0] is not self.coef_:
            cached = (self.coef_, np.ascontiguousarray(self.coef_.T))
            self.__dict__["_weights_cache"] = cached
        return cached[1]

    def decision_function(self, X: sp.spmatrix) -> np.ndarray:
        """Raw margins, (n, n_labels)."""
        return np.asarray(X @ self._weights()) + self.intercept_

    def predict_proba(self, X: sp.spmatrix) -> np.ndarray:
        """Calibrated scores in [0, 1], (n, n_labels)."""
        z = self.decision_function(X)  # first: an unfitted estimator says so there
        return self.scores_from_margins(z)

    def scores_from_margins(self, z: np.ndarray) -> np.ndarray:
        """Calibrated scores of raw margins (what :meth:`predict_proba` returns for ``X``)."""
        return sigmoid(self.calib_a_ * np.asarray(z) + self.calib_b_)

    def predict(self, X: sp.spmatrix) -> np.ndarray:
        """0/1 decisions at the tuned thresholds, (n, n_labels)."""
        return (self.predict_proba(X) >= self.thresholds_).astype(int)

    def row_contributions(self, indices: np.ndarray, values: np.ndarray, label_index: int,
                          top: int | None = None) -> list[tuple[int, float]]:
        """(feature index, coef × value) of one CSR row's non-zeros, largest first."""
        return row_contributions(self.coef_, indices, values, label_index, top)


class FrozenLinearModel(LinearScores):
    """:class:`~msgrisk.training.model.LinearRiskModel`'s scoring, from arrays."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, calib_a: np.ndarray,
                 calib_b: np.ndarray, thresholds: np.ndarray,
                 labels: tuple[str, ...] = RISK_LABELS):
        self.coef_ = coef
        self.intercept_ = intercept
        self.calib_a_ = calib_a
        self.calib_b_ = calib_b
        self.thresholds_ = thresholds
        self.labels = labels


def export(featurizer: Any, model: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(``features.json`` content, ``weights.npz`` arrays) of a fitted featurizer + model.

    Raises ``NotImplementedError`` for a block with no data form (hashed character
    n-grams); the caller then keeps the pickled format.
    """
    blocks: list[dict[str, Any]] = []
    arrays: dict[str, np.ndarray] = {}
    for i, block in enumerate(featurizer.blocks_):
        name = type(block).__name__
        if name == "NgramFeatures":
            spec = {"kind": "ngram", "view": block.view,
                    "ngram_range": list(block.ngram_range), "sublinear_tf": block.sublinear_tf}
            vectorizer = block.vectorizer_
        elif name == "CharNgramFeatures":
            if block.encoding != "tfidf":
                raise NotImplementedError(f"char_encoding={block.encoding!r} has no data-only "
                                          "form (hashing); the bundle stays pickled")
            spec = {"kind": "char", "ngram_range": list(block.ngram_range),
                    "sublinear_tf": block.sublinear_tf}
            vectorizer = block.vectorizer_
        elif name == "DetectorFeatures":
            blocks.append({"kind": "detector", "scale": float(block.scale),
                           "terms": list(block.keys_)})
            continue
        else:
            raise NotImplementedError(f"feature block {name} has no data-only form")
        spec["terms"] = vectorizer.get_feature_names_out().tolist()  # in column order
        blocks.append(spec)
        arrays[f"idf_{i}"] = np.asarray(vectorizer.idf_)
    arrays.update(coef=np.asarray(model.coef_), intercept=np.asarray(model.intercept_),
                  calib_a=np.asarray(model.calib_a_), calib_b=np.asarray(model.calib_b_),
                  thresholds=np.asarray(model.thresholds_))
    return {"frozen_format": FROZEN_FORMAT, "labels": list(model.labels), "blocks": blocks}, \
        arrays


def write(folder: Path, featurizer: Any, model: Any) -> list[Path]:
    """Write ``features.json`` and ``weights.npz`` into ``folder``; returns the files."""
    spec, arrays = export(featurizer, model)
    folder = Path(folder)
    (folder / FEATURES_FILE).write_text(json.dumps(spec, ensure_ascii=False,
                                                   separators=(",", ":")), encoding="utf-8")
    with open(folder / WEIGHTS_FILE, "wb") as fh:
        np.savez(fh, **arrays)
    return [folder / FEATURES_FILE, folder / WEIGHTS_FILE]


def load(folder: Path) -> tuple[FrozenFeaturizer, FrozenLinearModel]:
    """Rebuild the featurizer and model from ``features.json`` + ``weights.npz`` (no pickle:
    ``np.load(allow_pickle=False)``)."""
    folder = Path(folder)
    spec = json.loads((folder / FEATURES_FILE).read_text(encoding="utf-8"))
    if spec.get("frozen_format") != FROZEN_FORMAT:
        raise ValueError(f"{folder / FEATURES_FILE} has frozen format "
                         f"{spec.get('frozen_format')!r}, this msgrisk reads {FROZEN_FORMAT}")
    with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    blocks = [FrozenBlock(b, arrays.get(f"idf_{i}")) for i, b in enumerate(spec["blocks"])]
    model = FrozenLinearModel(arrays["coef"], arrays["intercept"], arrays["calib_a"],
                              arrays["calib_b"], arrays["thresholds"], tuple(spec["labels"]))
    return FrozenFeaturizer(blocks), model
