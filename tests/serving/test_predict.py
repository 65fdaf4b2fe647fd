import importlib
import json
import threading

import pandas as pd
import pytest

import msgrisk
from msgrisk.labels import ALL_LABELS, RISK_LABELS
from msgrisk.serving.predict import Predictor, load_predictor

predict_module = importlib.import_module("msgrisk.serving.predict")

HARD_NEGATIVES = [
    "Your tracking number is 1Z999AA10123456784",
    "Order KX-87655501 was dispatched this morning",
    "I paid JMD 8,765.00 for this",
    "I don't do WhatsApp, keep it here",
]


@pytest.fixture(scope="module")
def rules_predictor():
    return Predictor(None, fallback_reason="test")


@pytest.fixture(scope="module")
def corpus_texts(tiny_paths):
    return pd.read_parquet(tiny_paths.messages)["text"].tolist()[:1000]


def check_prediction(p, text):
    assert set(p.labels) <= set(ALL_LABELS)
    assert p.labels == msgrisk.labels.canonical(p.labels)
    assert p.primary == msgrisk.labels.primary(p.labels)
    assert set(p.scores) == set(RISK_LABELS)
    assert all(0.0 <= s <= 1.0 for s in p.scores.values())
    assert p.source in {"model", "rules", "model+rules"}
    for s in p.spans:
        assert 0 <= s.start <= s.end <= len(text)
        assert text[s.start:s.end] == s.text
    json.dumps(p.to_dict())


def test_predict_batch_equals_single_on_1000_messages(tiny_predictor, corpus_texts):
    batch = tiny_predictor.predict_batch(corpus_texts, batch_size=64)
    single = [tiny_predictor.predict(t) for t in corpus_texts]
    assert [b.to_dict() for b in batch] == [s.to_dict() for s in single]


@pytest.mark.parametrize("mode", ["model", "rules"])
def test_predict_batch_scores_repeats_once_and_keeps_every_row(tiny_predictor, rules_predictor,
                                                                 mode, monkeypatch):
    predictor = tiny_predictor if mode == "model" else rules_predictor
    long = "call me on 876 555 0142 " + "x" * 6000
    texts = ["call me on 876 555 0142", "thanks!", "call me on 876 555 0142", "", "thanks!",
             long, long + "tail beyond the window", "call me on 876 555 0142"]
    seen: list[int] = []
    score = predictor.score
    monkeypatch.setattr(predictor, "score", lambda t, batch_size=256: (seen.append(len(t)),
                                                                       score(t, batch_size))[1])
    batch = predictor.predict_batch(texts)
    assert seen == [4]  # four distinct windows: the two long texts share theirs
    assert [b.to_dict() for b in batch] == [predictor.predict(t).to_dict() for t in texts]
    assert batch[0] is not batch[2] and batch[0].spans is not batch[2].spans
    assert batch[5].truncated and batch[6].truncated and not batch[0].truncated


def test_predict_contract_fields(tiny_predictor, corpus_texts):
    for text, p in zip(corpus_texts[:200], tiny_predictor.predict_batch(corpus_texts[:200]),
                       strict=True):
        check_prediction(p, text)
        assert p.model_version == tiny_predictor.model_version


def test_predict_obfuscated_phone_is_off_platform(tiny_predictor):
    p = tiny_predictor.predict("text me on w h a t s a p p at eight seven six 555 0142")
    assert "off_platform" in p.labels
    assert any(s.rule == "phone_number" for s in p.spans)


def test_predict_rule_override_forces_label(tiny_predictor):
    predictor = Predictor(tiny_predictor.bundle)
    predictor.thresholds = predictor.thresholds * 0 + 1.01  # the model alone flags nothing
    predictor.forced_rules = {"kind:phone": "off_platform"}
    p = predictor.predict("call me on 876 555 0142")
    assert "off_platform" in p.labels
    assert p.source == "model+rules"
    assert any(s.label == "off_platform" for s in p.spans)


def test_predict_unforced_rule_is_vetoed_by_the_model(tiny_predictor):
    predictor = Predictor(tiny_predictor.bundle)
    predictor.thresholds = predictor.thresholds * 0 + 1.01
    predictor.forced_rules = {}
    p = predictor.predict("call me on 876 555 0142")
    assert p.labels == ("fine",)
    assert any(s.rule == "phone_number" for s in p.spans)  # still reported as evidence


def test_predict_forced_rules_come_from_the_manifest(tiny_predictor):
    manifest = tiny_predictor.bundle.manifest
    assert manifest["combine"] == "forced"
    assert tiny_predictor.forced_rules == manifest["forced_rules"]
    for key, label in manifest["forced_rules"].items():
        evidence = manifest["forced_rule_evidence"][key]
        assert evidence["label"] == label
        assert evidence["precision"] >= 0.99 and evidence["n"] >= 50


def test_predict_top_features_explain_flagged_labels(tiny_predictor):
    p = tiny_predictor.predict("you useless thief, answer me or I will find where you live")
    for label in p.labels:
        if label != "fine" and p.source == "model":
            assert p.top_features[label]
            assert all(w > 0 for _, w in p.top_features[label])


@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["list"], 3.5])
def test_predict_non_str_raises_type_error_naming_type(rules_predictor, bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        rules_predictor.predict(bad)


def test_predict_batch_rejects_bare_string():
    with pytest.raises(TypeError, match="predict_batch"):
        msgrisk.predict_batch("not a list")


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_predict_empty_is_fine(tiny_predictor, text):
    p = tiny_predictor.predict(text)
    assert p.labels == ("fine",)
    assert p.primary == "fine"


def test_predict_truncates_long_text(tiny_predictor):
    text = "hello " * 2000 + "call me on 876 555 0142"
    p = tiny_predictor.predict(text)
    assert p.truncated is True
    assert all(s.end <= tiny_predictor.max_chars for s in p.spans)
    assert tiny_predictor.predict("short").truncated is False


@pytest.mark.parametrize(
    "text",
    ["\ud800 lone surrogate", "ctrl \x00\x01\x1f chars", "zero\u200bwidth\u200d joiner",
     "\u202eRTL override", "e\u0301\u0301\u0301 combining", "😀" * 500],
)
def test_predict_odd_text_does_not_crash(tiny_predictor, rules_predictor, text):
    for predictor in (tiny_predictor, rules_predictor):
        check_prediction(predictor.predict(text), text)


def test_predict_rules_only_without_bundle(tmp_path, caplog):
    predictor = load_predictor(tmp_path / "missing", allow_outside=True)
    assert predictor.mode == "rules"
    assert predictor.model_version is None
    p = predictor.predict("send me the OTP code you just got")
    assert p.source == "rules"
    assert "suspicious" in p.labels


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_predict_hard_negatives_have_no_off_platform_span(rules_predictor, text):
    p = rules_predictor.predict(text)
    assert not [s for s in p.spans if s.label == "off_platform"]


def test_predict_redact_masks_contacts_but_not_hard_negatives():
    assert "[PHONE]" in msgrisk.redact("call me on 876 555 0142 tonight")
    assert "[EMAIL]" in msgrisk.redact("mail shan.b@gmail.com")
    assert "0142" not in msgrisk.redact("call me on 876 555 0142 tonight")
    for text in HARD_NEGATIVES:
        assert msgrisk.redact(text) == text


def test_predict_redact_masks_every_contact_span(rules_predictor):
    for text in ["whatsapp me 876-555-0142 or shan.b@gmail.com", "IG @shanice_styles"]:
        redacted = msgrisk.redact(text)
        for span in rules_predictor.predict(text).spans:
            if span.rule in {"phone_number", "email"}:
                assert span.text not in redacted


def test_predict_default_predictor_loaded_once_thread_safe(monkeypatch, tiny_bundle):
    monkeypatch.setenv("MSGRISK_MODEL", str(tiny_bundle))
    monkeypatch.setenv("MSGRISK_ALLOW_ANY_MODEL_PATH", "1")
    predict_module.reset_default_predictor()
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(predict_module.default_predictor()))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(p) for p in seen}) == 1
    assert seen[0].mode == "model"
    predict_module.reset_default_predictor()


def test_predict_concurrent_threads_match_serial(tiny_predictor, corpus_texts):
    texts = corpus_texts[:160]
    serial = [tiny_predictor.predict(t).to_dict() for t in texts]
    results: dict[int, dict] = {}

    def work(offset):
        for i in range(offset, len(texts), 8):
            results[i] = tiny_predictor.predict(texts[i]).to_dict()

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(len(texts))] == serial


def test_predict_context_is_validated(tiny_predictor):
    p = tiny_predictor.predict("I guarantee it arrives Friday", sender_role="seller",
                               fulfillment="dispatched_by_kx")
    assert p.labels
    with pytest.raises(ValueError, match="sender_role"):
        tiny_predictor.predict("hi", sender_role="courier")
