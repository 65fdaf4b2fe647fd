import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from msgrisk import rules
from msgrisk.training.features import (
    CharNgramFeatures,
    DetectorFeatures,
    MessageFeaturizer,
    NgramFeatures,
)

TEXTS = [
    "text me on w h a t s a p p at eight seven six 555 0142",
    "Order KX-87655501 shipped, tracking 1Z999AA10123456784",
    "you useless thief, answer me!!",
    "I guarantee it arrives Friday, no need to return it",
    "send me the 6 digit code KX just texted you",
    "send me the code on whatsapp",
    "",
    "Mi a wait pon di parcel from Tuesday",
]


@pytest.fixture(scope="module")
def parsed():
    return rules.parse_batch(TEXTS)


@pytest.mark.parametrize("view", ["lemma", "normalized"])
def test_features_fast_path_matches_sklearn(parsed, view):
    block = NgramFeatures(view=view, min_df=1).fit(parsed)
    fast = block.transform(parsed).toarray()
    reference = block.vectorizer_.transform(block._tokens(parsed)).toarray()
    np.testing.assert_allclose(fast, reference, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ngram_range", [(3, 5), (1, 2), (2, 4)])
def test_char_ngrams_match_sklearn(parsed, ngram_range):
    extra = rules.parse_batch(["a", "ab  cd\te", "x" * 9, "ÉCOLE Ünïcode", "", "  ", "w h a t"])
    messages = [*parsed, *extra]
    block = CharNgramFeatures(ngram_range=ngram_range, min_df=1).fit(messages)
    fast = block.transform(messages).toarray()
    reference = block.vectorizer_.transform([m.normalized for m in messages]).toarray()
    np.testing.assert_allclose(fast, reference, rtol=1e-5, atol=1e-6)
    assert (fast.sum(axis=1) > 0).sum() >= len(parsed)


def test_char_ngrams_word_cache_is_exact_bounded_and_never_pickled(parsed, monkeypatch):
    import pickle

    from msgrisk.training import features

    block = CharNgramFeatures(min_df=1).fit(parsed)
    cold = block.transform(parsed).toarray()
    assert block._word_cache  # filled by the first transform
    np.testing.assert_array_equal(block.transform(parsed).toarray(), cold)  # warm == cold
    restored = pickle.loads(pickle.dumps(block))
    assert "_word_cache" not in restored.__dict__
    np.testing.assert_array_equal(restored.transform(parsed).toarray(), cold)
    monkeypatch.setattr(features, "_WORD_CACHE_MAX", 3)
    small = rules.parse_batch(["whatsapp me"])
    block.transform(small)  # over the bound: the cache is emptied before this call
    assert set(block._word_cache) == {"whatsapp", "me"}
    np.testing.assert_array_equal(block.transform(parsed).toarray(), cold)


def test_char_ngrams_hashing_encoding_is_stateless_and_named(parsed):
    block = CharNgramFeatures(encoding="hashing", n_features=2**10)
    assert block.fit(parsed) is block
    X = block.transform(parsed)
    assert X.shape == (len(parsed), 2**10) and len(block.get_feature_names_out()) == 2**10
    reference = block.vectorizer_.transform([m.normalized for m in parsed])
    np.testing.assert_allclose(X.toarray(), reference.toarray(), rtol=1e-6)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1))).ravel()
    np.testing.assert_allclose(norms[norms > 0], 1.0, rtol=1e-5)  # l2-normalised rows
    assert block.get_feature_names_out()[0] == "chr:#0"
    featurizer = MessageFeaturizer(min_df=1, char_encoding="hashing").fit(parsed)
    assert featurizer.transform(parsed).shape[1] == len(featurizer.get_feature_names_out())
    with pytest.raises(ValueError, match="'tfidf' or 'hashing'"):
        CharNgramFeatures(encoding="bloom").fit(parsed)


def test_char_ngrams_share_features_across_spelling_variants(parsed):
    block = CharNgramFeatures(min_df=1).fit(rules.parse_batch(["whatsapp me", "watsapp me"]))
    X = block.transform(rules.parse_batch(["whatsapp", "watsapp"])).toarray()
    assert float(X[0] @ X[1]) > 0.3  # most n-grams shared ("tsa", "app", "sapp", ...)


def test_features_fit_returns_self_and_names_match_columns(parsed):
    featurizer = MessageFeaturizer(min_df=1)
    assert featurizer.fit(parsed) is featurizer
    X = featurizer.transform(parsed)
    assert X.shape == (len(TEXTS), len(featurizer.get_feature_names_out()))
    names = set(featurizer.get_feature_names_out())
    assert any(n.startswith("lem:") for n in names)
    assert any(n.startswith("norm:") for n in names)
    assert any(n.startswith("chr:") for n in names)
    assert any(n.startswith("det:") for n in names)
    assert not any(n.startswith("det:n_label_") for n in names)  # rule verdicts are not features


def test_features_obfuscated_and_plain_share_normalized_ngrams(parsed):
    block = NgramFeatures(view="normalized", min_df=1).fit(parsed)
    X = block.transform(rules.parse_batch(["w h a t s a p p me", "whatsapp me"])).toarray()
    assert (X[0] > 0).sum() > 0
    np.testing.assert_allclose(X[0], X[1], atol=1e-6)


def test_features_batch_equals_rows(parsed):
    featurizer = MessageFeaturizer(min_df=1).fit(parsed)
    whole = featurizer.transform(parsed).toarray()
    rows = np.vstack([featurizer.transform([m]).toarray() for m in parsed])
    np.testing.assert_allclose(whole, rows, atol=1e-7)


def test_features_detector_values_bounded(parsed):
    block = DetectorFeatures().fit(parsed)
    X = block.transform(parsed).toarray()
    assert X.min() >= 0.0 and X.max() < 1.0


def test_features_unfitted_raises(parsed):
    with pytest.raises(NotFittedError):
        MessageFeaturizer().transform(parsed)
