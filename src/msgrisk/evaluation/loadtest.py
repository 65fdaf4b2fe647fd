"""Loopback load test: start the API in a subprocess, fire a bounded burst, always stop it.

Only ever talks to 127.0.0.1. The burst is bounded both by a request count and by a
wall-clock budget, so it ends by itself even when the server misbehaves.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from msgrisk.serving.http import KEEP_ALIVE_S

LOOPBACK = "127.0.0.1"

#: Harmless sample messages covering each label, used when no texts are given.
SAMPLE_TEXTS = [
    "Hi, is the blender still in stock? I would like two.",
    "Tracking shows the parcel is in transit, it should be with you soon.",
    "Text me on whatsapp 876 555 0142 and we can sort it out there.",
    "Your account will be suspended unless you send the verification code now.",
    "You are a useless thief, answer me!!",
    "I guarantee it arrives by Friday, no need to return the broken one.",
    "Mi deh pon di road now, bredda, soon come wid di package.",
    "Please keep all messages here, I don't use WhatsApp.",
]


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A running ``msgrisk`` API subprocess on the loopback interface."""

    process: subprocess.Popen
    host: str
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def log_tail(self, n_chars: int = 2000) -> str:
        """The end of the server's own log (uvicorn start-up and errors; no request bodies)."""
        try:
            return self.log_path.read_text(errors="replace")[-n_chars:]
        except OSError:
            return ""


@contextmanager
def serve_subprocess(port: int | None = None, model: str | None = None,
                     startup_timeout: float = 60.0, access_log: bool = False
                     ) -> Iterator[ServerProcess]:
    """Run uvicorn with ``msgrisk.serving.http:create_app`` on 127.0.0.1; wait for /health; stop it.

    The server is terminated (then killed) on exit, whatever happens inside the block.
    """
    port = port or free_port()
    env = dict(os.environ)
    if model is not None:
        env["MSGRISK_MODEL"] = model
    cmd = [sys.executable, "-m", "uvicorn", "msgrisk.serving.http:create_app", "--factory",
           "--host", LOOPBACK, "--port", str(port), "--log-level", "warning",
           "--timeout-keep-alive", str(KEEP_ALIVE_S)]
    if not access_log:
        cmd.append("--no-access-log")
    with tempfile.TemporaryDirectory(prefix="msgrisk-serve-") as tmp:
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log_file:
            # why: a pipe nobody reads would fill up and stall the server; a file cannot
            proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, env=env)
            server = ServerProcess(proc, LOOPBACK, port, log_path)
            try:
                _wait_healthy(server, startup_timeout)
                yield server
            finally:
                _stop(proc)


def _wait_healthy(server: ServerProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"msgrisk server exited with code {server.process.returncode} "
                                   f"during start-up:\n{server.log_tail()}")
            try:
                if client.get(f"{server.url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise TimeoutError(f"msgrisk server on port {server.port} not healthy after {timeout:.0f}s:"
                       f"\n{server.log_tail()}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


async def _burst(url: str, texts: list[str], n_requests: int, concurrency: int,
                 timeout_s: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    issued = 0
    deadline = time.monotonic() + timeout_s
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal issued
        while issued < n_requests and time.monotonic() < deadline:
            i = issued
            issued += 1  # no await in between, so workers never take the same slot
            body = {"texts": [texts[i % len(texts)]]}
            start = time.perf_counter()
            try:
                response = await client.post(f"{url}/predict", json=body)
                kind = None if response.status_code == 200 else f"http_{response.status_code}"
            except httpx.HTTPError as err:
                kind = type(err).__name__
            latencies.append(time.perf_counter() - start)
            if kind is not None:
                errors[kind] = errors.get(kind, 0) + 1

    start = time.perf_counter()
    async with httpx.AsyncClient(limits=limits, timeout=min(30.0, timeout_s)) as client:
        tasks = [asyncio.create_task(worker(client)) for _ in range(concurrency)]
        _, pending = await asyncio.wait(tasks, timeout=timeout_s + 30.0)
        for task in pending:  # only if a request hung past every client timeout
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    seconds = time.perf_counter() - start
    ms = np.asarray(latencies) * 1000.0 if latencies else np.zeros(1)
    return {
        "n_requests": len(latencies), "n_planned": n_requests, "concurrency": concurrency,
        "errors": sum(errors.values()), "error_kinds": errors,
        "timed_out": len(latencies) < n_requests,
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p90_ms": round(float(np.percentile(ms, 90)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2),
        "max_ms": round(float(ms.max()), 2),
        "seconds": round(seconds, 3),
        "rps": round(len(latencies) / seconds, 1) if seconds > 0 else 0.0,
    }


def _contract_checks(url: str, max_body_bytes: int = 1_000_000) -> dict[str, Any]:
    """Status codes for an oversized body (expect 413) and malformed JSON (expect 422)."""
    with httpx.Client(timeout=30.0) as client:
        health = client.get(f"{url}/health").json()
        big = b'{"texts": ["' + b"a" * (max_body_bytes + 10) + b'"]}'
        try:
            oversize: int | str = client.post(f"{url}/predict", content=big, headers={
                "content-type": "application/json"}).status_code
        except httpx.HTTPError as err:  # the server may close before the upload finishes
            oversize = type(err).__name__
        malformed = client.post(f"{url}/predict", content=b'{"texts": [',
                                headers={"content-type": "application/json"}).status_code
    return {"mode": health.get("mode"), "model_version": health.get("model_version"),
            "oversize_status": oversize, "malformed_status": malformed,
            "contract_ok": oversize == 413 and malformed == 422}


def load_test_url(url: str, n_requests: int = 20_000, concurrency: int = 32,
                  texts: list[str] | None = None, timeout_s: float = 300.0) -> dict[str, Any]:
    """Load-test an already running API at a loopback ``url``; return latency stats and the
    413/422 contract checks."""
    if httpx.URL(url).host not in (LOOPBACK, "localhost"):
        raise ValueError(f"the load test only targets the loopback interface, got {url!r}; "
                         "use http://127.0.0.1:<port>")
    if n_requests < 1 or concurrency < 1:
        raise ValueError("n_requests and concurrency must be at least 1")
    pool = [t for t in (texts or SAMPLE_TEXTS) if isinstance(t, str)] or SAMPLE_TEXTS
    result = asyncio.run(_burst(url, pool, n_requests, concurrency, timeout_s))
    result.update(_contract_checks(url))
    return result


def run_load_test(n_requests: int = 20_000, concurrency: int = 32, host: str = LOOPBACK,
                  port: int | None = None, texts: list[str] | None = None,
                  timeout_s: float = 300.0, model: str | None = None) -> dict[str, Any]:
    """Start the API on 127.0.0.1, send ``n_requests`` single-text /predict calls at
    ``concurrency``, check 413/422 handling, stop the server; return latency stats.

    Ends after ``n_requests`` or ``timeout_s`` seconds, whichever comes first.
    """
    if host not in (LOOPBACK, "localhost"):
        raise ValueError(f"the load test only targets the loopback interface, got host={host!r}; "
                         "use 127.0.0.1")
    with serve_subprocess(port=port, model=model) as server:
        result = load_test_url(server.url, n_requests, concurrency, texts, timeout_s)
        result["server_alive"] = server.process.poll() is None
    return result
