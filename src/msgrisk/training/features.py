"""Feature extraction: spaCy-parsed messages -> one sparse matrix for the linear model.

Four blocks, each a scikit-learn transformer over :class:`~msgrisk.rules.ParsedMessage`:

- lemma n-grams of the original text (spaCy tokenizer + lookup lemmatizer),
- n-grams of the de-obfuscated text (so "w h a t s a p p" and "whatsapp" share features),
- character n-grams (3-5, within words) of the de-obfuscated text,
- detector-derived features (span counts per kind, negation flags, ...), from the rules.

The n-gram blocks are TF-IDF weighted with a fitted vocabulary, not hashed: every model
weight keeps a readable name for ``Prediction.top_features``, and on dev the two score
the same (docs/model.md, "Feature choices").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from msgrisk.rules import ParsedMessage
from msgrisk.training import frozen
from msgrisk.training.frozen import lemma_tokens, normalized_tokens

__all__ = ["CharNgramFeatures", "DetectorFeatures", "MessageFeaturizer", "NgramFeatures",
           "lemma_tokens", "normalized_tokens"]

#: words whose character n-gram columns CharNgramFeatures keeps per fitted block
_WORD_CACHE_MAX = frozen.WORD_CACHE_MAX


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
        return frozen.view_tokens(self.view, messages)

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
        """TF-IDF matrix, one row per message (same values as the fitted TfidfVectorizer)."""
        rows, cols, vals = self.triplets(messages)
        return frozen.csr(rows, cols, vals, (len(messages), len(self.feature_names_)))

    def triplets(self, messages: Sequence[ParsedMessage]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the non-zero TF-IDF entries.

        Re-implements ``TfidfVectorizer.transform`` on the fitted vocabulary and IDF: the
        sklearn call costs ~1 ms of input validation per call, which dominated single-message
        latency. ``test_features_fast_path_matches_sklearn`` pins the equivalence.
        """
        check_is_fitted(self, "vectorizer_")
        return frozen.ngram_triplets(self._tokens(messages), self.vectorizer_.vocabulary_,
                                     tuple(self.ngram_range), self.vectorizer_.idf_,
                                     self.sublinear_tf)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_")
        return self.feature_names_


class CharNgramFeatures(BaseEstimator, TransformerMixin):
    """TF-IDF over character n-grams inside word boundaries (``char_wb``) of the
    de-obfuscated text: robust to spelling variants and new phrasings ("whatsap",
    "watsapp", "wassap" share most of their n-grams), which is what lets the model carry
    a risk over to sentence frames it never saw.

    ``encoding="hashing"`` swaps the fitted vocabulary for a stateless
    ``HashingVectorizer`` (``n_features`` buckets, l2-normalised counts, no IDF); it is
    kept so the choice can be re-measured (``msgrisk dev-folds --set
    char_encoding=hashing``), and names its columns ``chr:#<bucket>``.
    """

    def __init__(self, ngram_range: tuple[int, int] = (3, 5), min_df: int = 3,
                 max_features: int | None = 100_000, sublinear_tf: bool = True,
                 encoding: str = "tfidf", n_features: int = 2**18):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.encoding = encoding
        self.n_features = n_features

    def fit(self, messages: Sequence[ParsedMessage], y: object = None) -> CharNgramFeatures:
        """Learn the vocabulary and IDF weights (hashing: nothing to learn)."""
        if self.encoding == "hashing":
            self.vectorizer_ = HashingVectorizer(
                analyzer="char_wb", ngram_range=tuple(self.ngram_range),
                n_features=self.n_features, alternate_sign=False, norm="l2", dtype=np.float32)
            self.feature_names_ = np.array([f"chr:#{i}" for i in range(self.n_features)],
                                           dtype=object)
            return self
        if self.encoding != "tfidf":
            raise ValueError(f"char n-gram encoding must be 'tfidf' or 'hashing', "
                             f"not {self.encoding!r}")
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=tuple(self.ngram_range), min_df=self.min_df,
            max_features=self.max_features, sublinear_tf=self.sublinear_tf, dtype=np.float32,
        )
        self.vectorizer_.fit([m.normalized for m in messages])
        self.feature_names_ = np.array(
            [f"chr:{name}" for name in self.vectorizer_.get_feature_names_out()], dtype=object
        )
        return self

    def transform(self, messages: Sequence[ParsedMessage]) -> sp.csr_matrix:
        """TF-IDF matrix, one row per message (same values as the fitted TfidfVectorizer)."""
        rows, cols, vals = self.triplets(messages)
        return frozen.csr(rows, cols, vals, (len(messages), len(self.feature_names_)))

    def triplets(self, messages: Sequence[ParsedMessage]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the non-zero entries; sklearn's ``char_wb`` analyzer and
        TF-IDF re-done on the fitted vocabulary, without sklearn's per-call validation
        (``test_char_ngrams_match_sklearn`` pins the equivalence)."""
        check_is_fitted(self, "vectorizer_")
        if self.encoding == "hashing":
            coo = self.vectorizer_.transform([m.normalized for m in messages]).tocoo()
            return coo.row, coo.col, coo.data
        return frozen.char_triplets(messages, self.vectorizer_.vocabulary_,
                                    tuple(self.ngram_range), self.vectorizer_.idf_,
                                    self.sublinear_tf, self.__dict__.setdefault("_word_cache", {}),
                                    _WORD_CACHE_MAX)

    def __getstate__(self) -> dict[str, object]:
        state = super().__getstate__()
        state.pop("_word_cache", None)  # a per-process cache, never saved in a bundle
        return state

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_")
        return self.feature_names_


#: Detector features that restate a rule's verdict (spans per hinted label) rather than
#: describe the text; off by default, see :class:`DetectorFeatures`.
LABEL_COUNT_PREFIX = "n_label_"


class DetectorFeatures(BaseEstimator, TransformerMixin):
    """The rules' numeric features (``ParsedMessage.features()``), squashed to [0, 1).

    ``label_counts=False`` (the default) leaves out the ``n_label_*`` counts: they are the
    rules' verdict itself, so a model trained on rule-made labels learns to copy them and
    gains nothing over the rules. Rules and model are combined at serving time instead
    (``Predictor.decide``), and the model is left to learn from words and detector kinds.
    """

    def __init__(self, scale: float = 1.0, label_counts: bool = False):
        self.scale = scale
        self.label_counts = label_counts

    def fit(self, messages: Sequence[ParsedMessage], y: object = None) -> DetectorFeatures:
        """Fix the feature order from the first message (the rules emit a fixed key set)."""
        if len(messages) == 0:
            raise ValueError("DetectorFeatures.fit needs at least one message")
        self.keys_ = tuple(sorted(k for k in messages[0].features()
                                  if self.label_counts or not k.startswith(LABEL_COUNT_PREFIX)))
        self.feature_names_ = np.array([f"det:{k}" for k in self.keys_], dtype=object)
        return self

    def transform(self, messages: Sequence[ParsedMessage]) -> sp.csr_matrix:
        """x / (1 + x) per feature, so counts saturate instead of dominating."""
        rows, cols, vals = self.triplets(messages)
        return frozen.csr(rows, cols, vals, (len(messages), len(self.keys_)))

    def triplets(self, messages: Sequence[ParsedMessage]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the non-zero detector features."""
        check_is_fitted(self, "keys_")
        return frozen.detector_triplets(messages, self.keys_, self.scale)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_")
        return self.feature_names_


class MessageFeaturizer(BaseEstimator, TransformerMixin):
    """All feature blocks side by side (lemma, normalised and character n-grams, detectors)."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2,
                 max_features: int | None = 100_000, use_normalized: bool = True,
                 detector_scale: float = 1.0, label_counts: bool = False,
                 char_ngram_range: tuple[int, int] | None = (3, 5), char_min_df: int = 3,
                 char_encoding: str = "tfidf"):
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.use_normalized = use_normalized
        self.detector_scale = detector_scale
        self.label_counts = label_counts
        self.char_ngram_range = char_ngram_range
        self.char_min_df = char_min_df
        self.char_encoding = char_encoding

    def fit(self, messages: Sequence[ParsedMessage], y: object = None) -> MessageFeaturizer:
        """Fit every block."""
        blocks: list[BaseEstimator] = [
            NgramFeatures("lemma", self.ngram_range, self.min_df, self.max_features)
        ]
        if self.use_normalized:
            blocks.append(NgramFeatures("normalized", self.ngram_range, self.min_df,
                                        self.max_features))
        if self.char_ngram_range is not None:
            blocks.append(CharNgramFeatures(tuple(self.char_ngram_range), self.char_min_df,
                                            self.max_features, encoding=self.char_encoding))
        blocks.append(DetectorFeatures(self.detector_scale, self.label_counts))
        self.blocks_ = [block.fit(messages) for block in blocks]
        self.feature_names_ = np.concatenate([b.get_feature_names_out() for b in self.blocks_])
        return self

    def detector_columns(self) -> np.ndarray:
        """Indices of the detector-derived columns (for detector dropout in training)."""
        check_is_fitted(self, "feature_names_")
        return np.flatnonzero([str(n).startswith("det:") for n in self.feature_names_])

    def transform(self, messages: Sequence[ParsedMessage]) -> sp.csr_matrix:
        """Stacked sparse features, one row per message (built as one CSR, no hstack)."""
        check_is_fitted(self, "blocks_")
        parts = [b.triplets(messages) for b in self.blocks_]
        return frozen.stack_triplets(parts, [len(b.get_feature_names_out())
                                             for b in self.blocks_], len(messages))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        check_is_fitted(self, "feature_names_")
        return self.feature_names_
