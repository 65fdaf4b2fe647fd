"""Feature extraction: spaCy-parsed messages -> one sparse matrix for the linear model.

Three blocks, each a scikit-learn transformer over :class:`~msgrisk.rules.ParsedMessage`:

- lemma n-grams of the original text (spaCy tokenizer + lookup lemmatizer),
- n-grams of the de-obfuscated text (so "w h a t s a p p" and "whatsapp" share features),
- detector-derived features (span counts per kind, negation flags, ...), from the rules.

Lemma and normalised n-grams are TF-IDF weighted with a fitted vocabulary (not hashing),
so every model weight has a readable name for ``Prediction.top_features``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from msgrisk.rules import ParsedMessage

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_DIGIT = re.compile(r"\d")


def lemma_tokens(message: ParsedMessage) -> list[str]:
    """Lower-cased lemmas of word-like tokens; digits collapsed to ``0`` (numbers vary, shape not)."""
    out = []
    for token in message.doc:
        if token.is_space or token.is_punct:
            continue
        lemma = (token.lemma_ or token.text).lower()
        out.append(_DIGIT.sub("0", lemma))
    return out


def normalized_tokens(message: ParsedMessage) -> list[str]:
    """Word tokens of the de-obfuscated text, digits collapsed to ``0``."""
    return [_DIGIT.sub("0", w) for w in _WORD.findall(message.normalized)]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class NgramFeatures(BaseEstimator, TransformerMixin):
    """TF-IDF over word n-grams of one token view (``"lemma"`` or ``"normalized"``)."""

    def __init__(self, view: str = "lemma", ngram_range: tuple[int, int] = (1, 2),
                 min_df: int = 2, max_features: int | None = 100_000, sublinear_tf: bool = True):
        self.view = view
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf

    def _tokens(self, messages: Sequence[ParsedMessage]) -> list[list[str]]:
        if self.view == "lemma":
            return [lemma_tokens(m) for m in messages]
        if self.view == "normalized":
            return [normalized_tokens(m) for m in messages]
        raise ValueError(f"view must be 'lemma' or 'normalized', got {self.view!r}")

    def fit(self, messages: Sequence[ParsedMessage], y: object = None) -> NgramFeatures:
        """Learn the vocabulary and IDF weights."""
        self.vectorizer_ = TfidfVectorizer(
            analyzer="word", tokenizer=_identity, preprocessor=_identity, token_pattern=None,
            lowercase=False, ngram_range=tuple(self.ngram_range), min_df=self.min_df,
            max_features=self.max_features, sublinear_tf=self.sublinear_tf, dtype=np.float32,
        )
        self.vectorizer_.fit(self._tokens(messages))
        prefix = "lem" if self.view == "lemma" else "norm"
        self.feature_names_ = np.array(
            [f"{prefix}:{name}" for name in self.vectorizer_.get_feature_names_out()], dtype=object
        )
        return self

    def transform(self, messages: Sequence[ParsedMessage]) -> sp.csr_matrix:
        """TF-IDF matrix, one row per message."""
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.transform(self._tokens(messages)).tocsr()

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_")
        return self.feature_names_


class DetectorFeatures(BaseEstimator, TransformerMixin):
    """The rules' numeric features (``ParsedMessage.features()``), squashed to [0, 1)."""

    def __init__(self, scale: float = 1.0):
        self.scale = scale

    def fit(self, messages: Sequence[ParsedMessage], y: object = None) -> DetectorFeatures:
        """Fix the feature order from the first message (the rules emit a fixed key set)."""
        if len(messages) == 0:
            raise ValueError("DetectorFeatures.fit needs at least one message")
        self.keys_ = tuple(sorted(messages[0].features()))
        self.feature_names_ = np.array([f"det:{k}" for k in self.keys_], dtype=object)
        return self

    def transform(self, messages: Sequence[ParsedMessage]) -> sp.csr_matrix:
        """x / (1 + x) per feature, so counts saturate instead of dominating."""
        check_is_fitted(self, "keys_")
        values = np.zeros((len(messages), len(self.keys_)), dtype=np.float32)
        for i, message in enumerate(messages):
            feats = message.features()
            for j, key in enumerate(self.keys_):
                values[i, j] = float(feats.get(key, 0.0))
        values = np.abs(values)
        values = self.scale * values / (1.0 + values)
        return sp.csr_matrix(values)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_")
        return self.feature_names_


class MessageFeaturizer(BaseEstimator, TransformerMixin):
    """All feature blocks side by side (lemma n-grams, normalised n-grams, detector features)."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2,
                 max_features: int | None = 100_000, use_normalized: bool = True,
                 detector_scale: float = 1.0):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.use_normalized = use_normalized
        self.detector_scale = detector_scale

    def fit(self, messages: Sequence[ParsedMessage], y: object = None) -> MessageFeaturizer:
        """Fit every block."""
        blocks: list[BaseEstimator] = [
            NgramFeatures("lemma", self.ngram_range, self.min_df, self.max_features)
        ]
        if self.use_normalized:
            blocks.append(NgramFeatures("normalized", self.ngram_range, self.min_df,
                                        self.max_features))
        blocks.append(DetectorFeatures(self.detector_scale))
        self.blocks_ = [block.fit(messages) for block in blocks]
        self.feature_names_ = np.concatenate([b.get_feature_names_out() for b in self.blocks_])
        return self

    def transform(self, messages: Sequence[ParsedMessage]) -> sp.csr_matrix:
        """Stacked sparse features, one row per message."""
        check_is_fitted(self, "blocks_")
        return sp.hstack([b.transform(messages) for b in self.blocks_], format="csr")

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_")
        return self.feature_names_
