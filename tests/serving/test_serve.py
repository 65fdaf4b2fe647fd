"""The HTTP contract of msgrisk.serving.http, in-process (TestClient) and over a real loopback socket."""

from __future__ import annotations

import json
import logging
import warnings

import httpx
import pytest

from msgrisk.evaluation.loadtest import load_test_url, run_load_test, serve_subprocess
from msgrisk.serving.http import create_app
from msgrisk.serving.predict import Predictor

with warnings.catch_warnings():  # starlette nags about httpx vs httpx2; not ours to fix
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SECRET = "my pin is 4711 zebra-lantern"


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    return Predictor(None, fallback_reason="tests: rules only")


@pytest.fixture(scope="module")
def client(predictor: Predictor):
    app = create_app(predictor, max_body_bytes=10_000, max_batch=4, max_text_chars=500)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


class _Exploding:
    mode, model_version, fallback_reason = "rules", None, None

    def predict_batch(self, texts):
        raise RuntimeError(f"cannot score {texts[0]!r}")  # message text inside the error


def _assert_clean(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.text
    assert 'File "' not in response.text
    assert SECRET not in response.text


def test_serve_health_reports_mode(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body == {"status": "ok", "mode": "rules", "model_version": None,
                    "fallback_reason": "tests: rules only"}


def test_serve_predict_labels_each_text_in_order(client: TestClient) -> None:
    texts = ["text me on whatsapp 876 555 0142", "Where is my order?"]
    response = client.post("/predict", json={"texts": texts, "sender_role": "buyer"})
    assert response.status_code == 200
    body = response.json()
    assert body["source_mode"] == "rules"
    assert body["model_version"] is None
    assert [p["labels"] for p in body["predictions"]] == [["off_platform"], ["fine"]]
    first = body["predictions"][0]
    assert set(first["scores"]) == {"suspicious", "off_platform", "aggressive", "promise"}
    for span in first["spans"]:
        assert texts[0][span["start"]:span["end"]] == span["text"]


def test_serve_redact_masks_phone(client: TestClient) -> None:
    response = client.post("/redact", json={"texts": ["call 876 555 0142", "hello"]})
    assert response.status_code == 200
    masked = response.json()["texts"]
    assert "555" not in masked[0] and "[PHONE]" in masked[0]
    assert masked[1] == "hello"


@pytest.mark.parametrize("payload", [
    b'{"texts": [',                                   # malformed JSON
    b'{"texts": ["a", "b", "c", "d", "e"]}',          # more than max_batch
    b'{"texts": []}',                                 # empty batch
    b'{"texts": ["ok", 42]}',                         # non-string item
    b'{"texts": ["ok", null]}',                       # null item
    b'{"texts": "not a list"}',
    b'{"texts": ["ok"], "sender_role": "admin"}',     # unknown context value
    b'{"texts": ["ok"], "surprise": 1}',              # unknown field
    b'[]',
])
def test_serve_predict_rejects_invalid_body_with_422(client: TestClient, payload: bytes) -> None:
    response = client.post("/predict", content=payload,
                           headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)
    _assert_clean(response)


def test_serve_validation_error_does_not_echo_text(client: TestClient) -> None:
    too_long = SECRET + "x" * 600
    response = client.post("/predict", json={"texts": [too_long]})
    assert response.status_code == 422
    _assert_clean(response)


def test_serve_oversize_body_is_413_by_content_length(client: TestClient) -> None:
    response = client.post("/predict", json={"texts": ["a" * 20_000]})
    assert response.status_code == 413
    _assert_clean(response)


def test_serve_oversize_streamed_body_is_413(client: TestClient) -> None:
    def chunks():  # no Content-Length: the limit must hold on the bytes received
        yield b'{"texts": ["'
        for _ in range(30):
            yield b"a" * 1000
        yield b'"]}'

    response = client.post("/redact", content=chunks(),
                           headers={"content-type": "application/json"})
    assert response.status_code == 413
    _assert_clean(response)


def test_serve_internal_error_is_generic_500(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(_Exploding())  # type: ignore[arg-type]
    with caplog.at_level(logging.DEBUG), TestClient(app, raise_server_exceptions=False) as c:
        response = c.post("/predict", json={"texts": [SECRET]})
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    _assert_clean(response)
    assert "RuntimeError" in caplog.text
    assert SECRET not in caplog.text


def test_serve_openapi_lists_endpoints(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/predict", "/redact", "/health"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200


@pytest.fixture(scope="module")
def live_server():
    # one real server for the socket tests: start-up (spaCy + sklearn imports) costs ~6 s
    with serve_subprocess() as server:
        yield server
    assert server.process.poll() is not None  # stopped on exit


@pytest.mark.serve
def test_serve_real_socket_roundtrip(live_server) -> None:
    assert live_server.host == "127.0.0.1"
    with httpx.Client(base_url=live_server.url, timeout=10.0) as http:
        assert http.get("/health").json()["status"] == "ok"
        response = http.post("/predict", json={"texts": ["dm me on ig @kx_deals"]})
        assert response.status_code == 200
        assert len(response.json()["predictions"]) == 1
        big = json.dumps({"texts": ["a" * 1_100_000]})
        assert http.post("/predict", content=big,
                         headers={"content-type": "application/json"}).status_code == 413


@pytest.mark.serve
def test_serve_small_load_test_has_no_errors(live_server) -> None:
    result = load_test_url(live_server.url, n_requests=300, concurrency=8, timeout_s=60.0)
    assert result["n_requests"] == 300
    assert result["errors"] == 0
    assert result["oversize_status"] == 413
    assert result["malformed_status"] == 422
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]


@pytest.mark.parametrize("target", [{"host": "0.0.0.0"}, {"host": "example.com"}])
def test_serve_load_test_refuses_non_loopback(target: dict) -> None:
    with pytest.raises(ValueError, match="loopback"):
        run_load_test(n_requests=1, **target)
    with pytest.raises(ValueError, match="loopback"):
        load_test_url(f"http://{target['host']}:8000", n_requests=1)
