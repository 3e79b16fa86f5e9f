"""What a webhook URL may cost a run (issue 20, "Credentials and reach"): http(s) only, one
deadline for all deliveries, a bounded answer, the URL's secret masked in every message, and
what failed kept to be sent again. Servers here really listen on 127.0.0.1: one never
answers, one drips a byte at a time, one sends an endless answer."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import ThreadingHTTPServer

import pytest

from healthscore.errors import HealthscoreError
from healthscore.sample.raw import generate_raw
from healthscore.trends.webhook import (
    PENDING,
    check_url,
    deliver,
    mask,
    post_events,
    read_pending,
    redeliver,
)
from tests.conftest import ROOT
from tests.hardening.servers import RawServer
from tests.store.test_trends import Hook

EVENTS = [{"customer_id": "a", "from": "watch", "to": "at risk"},
          {"customer_id": "b", "from": "at risk", "to": "watch"},
          {"customer_id": "c", "from": "healthy", "to": "watch"}]


def _never_answers(conn: socket.socket) -> None:
    while conn.recv(65536):  # reads the request, answers nothing, ever
        pass


def _drips(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    while True:  # a header that never ends, one byte at a time
        conn.sendall(b"x")
        time.sleep(0.05)


def _endless_headers(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    line = b"X-Filler: " + b"y" * 1000 + b"\r\n"
    while True:
        conn.sendall(line)


def _ok_then_endless_body(conn: socket.socket) -> None:
    conn.recv(65536)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    chunk = b"z" * 65536
    while True:
        conn.sendall(chunk)


@pytest.fixture
def server():
    made = []

    def make(behave):
        made.append(RawServer(behave))
        return made[-1]

    yield make
    for s in made:
        s.close()


@pytest.fixture
def hook():
    Hook.fail, Hook.code, Hook.delay, Hook.bodies, Hook.calls = 0, 500, 0.0, [], 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/services/T000/B000/XXXXSECRET?token=abc"
    httpd.shutdown()
    httpd.server_close()


# ------------------------------------------------------------------------------ schemes


@pytest.mark.parametrize("url, found", [
    ("file:///dev/zero", "found a `file:` URL"),
    ("file:///etc/passwd", "found a `file:` URL"),
    ("ftp://files.example.com/drop/secret", "found a `ftp:` URL: `ftp://files.example.com/drop/***`"),
    ("not a url", "found text that is not a URL: `not a url`"),
    ("hooks.example.com/services/T0/B0/XXXX", "found text that is not a URL: "
                                              "`hooks.example.com/***`"),
    ("https:///services/x", "found a URL without a host"),
    ("http://example.com:http/x", "found a URL whose host or port cannot be read"),
    ("javascript:alert(1)", "found a `javascript:` URL"),
])
def test_only_http_and_https_urls_are_delivered_to(url, found):
    """`file:///dev/zero` read 22.5 GiB until the kernel killed the process;
    `file:///etc/passwd` counted as delivered; `not a url` was a traceback."""
    started = time.monotonic()
    with pytest.raises(HealthscoreError) as info:
        post_events(EVENTS, url)
    assert time.monotonic() - started < 1
    assert found in str(info.value) and str(info.value).startswith("--webhook: ")
    assert "/etc/passwd" not in str(info.value) and "XXXX" not in str(info.value)
    with pytest.raises(HealthscoreError):
        check_url(url)


@pytest.mark.parametrize("url, shown", [
    ("https://hooks.example.com/services/T000/B000/XXXX", "https://hooks.example.com/services/***"),
    ("https://hooks.example.com/XXXXSECRET", "https://hooks.example.com/***"),
    ("https://hooks.example.com/a1b2c3d4e5/more", "https://hooks.example.com/***"),
    ("https://hooks.example.com/hook?token=XXXX", "https://hooks.example.com/***"),
    ("https://user:XXXX@hooks.example.com:8443/", "https://hooks.example.com:8443/"),
    ("https://hooks.example.com", "https://hooks.example.com"),
    ("http://[::1]:8080/api/v1/XXXX", "http://[::1]:8080/api/***"),
])
def test_the_secret_part_of_a_url_is_masked(url, shown):
    assert mask(url) == shown


# ------------------------------------------------------------------------------ deadlines


def test_a_server_that_never_answers_costs_at_most_the_deadline(server):
    """It cost ~43 minutes (each try waited 10 s, 4 tries, every event)."""
    silent = server(_never_answers)
    exc = _bounded(3, lambda: post_events(EVENTS, silent.url(), deadline=1.5, timeout=10,
                                          backoff=0.01))
    assert isinstance(exc, HealthscoreError)
    text = str(exc)
    assert text.startswith(f"http://127.0.0.1:{silent.port}/services/***: 3 of 3 tier-change "
                           "events were not delivered: a: timed out"), text
    assert "a: timed out after 1 try, then the 1.5 s for all deliveries had passed" in text
    assert "b: not sent: the 1.5 s for all deliveries had passed" in text
    assert "XXXXSECRET" not in text


def _bounded(seconds: float, call) -> BaseException | None:
    """Run `call` on a thread; fail the test (instead of hanging it) when it has not ended
    after `seconds`. Returns what it raised."""
    raised: list[BaseException | None] = [None]

    def run() -> None:
        try:
            call()
        except HealthscoreError as exc:  # what the tests expect; anything else fails them
            raised[0] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still delivering after {seconds} s"
    return raised[0]


def test_a_server_that_drips_bytes_is_bounded_per_attempt_and_overall(server):
    """A byte every few seconds kept each read alive: it never ended."""
    drip = server(_drips)
    exc = _bounded(2.5, lambda: post_events(EVENTS[:1], drip.url(), retries=1, timeout=0.5,
                                            backoff=0.01, deadline=60))
    assert isinstance(exc, HealthscoreError) and "a: timed out after 2 tries" in str(exc)
    assert drip.connections == 2
    exc = _bounded(2.5, lambda: post_events(EVENTS, drip.url(), timeout=30, deadline=1.0,
                                            backoff=0.01))
    assert isinstance(exc, HealthscoreError) and "3 of 3" in str(exc)


def test_an_endless_answer_is_not_read(server):
    headers = server(_endless_headers)
    with pytest.raises(HealthscoreError, match="a: .* after 1 try"):
        post_events(EVENTS[:1], headers.url(), retries=0, timeout=5, deadline=10)
    body = server(_ok_then_endless_body)
    started = time.monotonic()
    assert post_events(EVENTS, body.url(), timeout=5, deadline=10) == 3
    assert time.monotonic() - started < 2


def test_the_deadline_comes_from_the_environment(server, monkeypatch):
    silent = server(_never_answers)
    monkeypatch.setenv("HEALTHSCORE_WEBHOOK_DEADLINE", "0.5")
    started = time.monotonic()
    with pytest.raises(HealthscoreError, match="the 0.5 s for all deliveries had passed"):
        post_events(EVENTS, silent.url(), backoff=0.01)
    assert time.monotonic() - started < 2
    monkeypatch.setenv("HEALTHSCORE_WEBHOOK_DEADLINE", "soon")
    with pytest.raises(HealthscoreError, match="HEALTHSCORE_WEBHOOK_DEADLINE: give seconds"):
        post_events(EVENTS, silent.url())


# ------------------------------------------------------------------------------ messages


def test_every_failure_message_masks_the_url(hook):
    Hook.fail = 100
    with pytest.raises(HealthscoreError) as info:
        post_events(EVENTS, hook, retries=1, backoff=0.01)
    text = str(info.value)
    assert "/services/***: 3 of 3 tier-change events were not delivered" in text
    assert "XXXXSECRET" not in text and "token" not in text and "abc" not in text


def test_a_refused_connection_is_a_message(server):
    gone = server(_never_answers)
    url = gone.url()
    gone.close()
    with pytest.raises(HealthscoreError, match=r"a: .*[Cc]onnection refused after 2 tries"):
        post_events(EVENTS[:1], url, retries=1, backoff=0.01)


# ------------------------------------------------------------------------------ re-delivery


def test_what_failed_is_kept_and_delivered_by_the_next_run(hook, tmp_path):
    pending = tmp_path / "events" / PENDING
    pending.parent.mkdir()
    Hook.fail, Hook.code = 1, 400  # `a` rejected once, `b` and `c` delivered
    with pytest.raises(HealthscoreError, match=rf"1 of 3 .* kept in {pending}"):
        post_events(EVENTS, hook, pending=pending, backoff=0.01)
    assert read_pending(pending) == EVENTS[:1]
    assert [b["customer_id"] for b in Hook.bodies] == ["b", "c"]
    # the next run: the hook is down, nothing is lost, nothing doubled
    Hook.fail, Hook.code = 100, 503
    later = [{"customer_id": "d", "from": "watch", "to": "healthy"}]
    with pytest.raises(HealthscoreError, match="2 of 2"):
        deliver([*EVENTS[:1], *later], hook, pending, retries=0, backoff=0.01)
    assert read_pending(pending) == [*EVENTS[:1], *later]
    # back up: redeliver sends exactly what is pending, once, and the file goes
    Hook.fail, Hook.bodies = 0, []
    assert redeliver(pending, hook) == 2
    assert Hook.bodies == [*EVENTS[:1], *later]
    assert not pending.exists()
    assert redeliver(pending, hook) == 0 and Hook.bodies == [*EVENTS[:1], *later]


def test_a_damaged_pending_file_is_a_message(tmp_path, hook):
    pending = tmp_path / PENDING
    pending.write_text(json.dumps(EVENTS[0]) + "\n{half\n")
    with pytest.raises(HealthscoreError, match=rf"{PENDING}:2: not a JSON event"):
        redeliver(pending, hook)


# ------------------------------------------------------------------------------ processes


def _healthscore(*args, cwd, env=None, timeout=180):
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "healthscore", *map(str, args)], cwd=cwd,
                          env=full, capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("url", ["file:///dev/zero", "ftp://example.com/x", "not a url"])
def test_the_run_command_refuses_a_url_before_scoring(tmp_path, url):
    started = time.monotonic()
    proc = _healthscore("run", "-w", ROOT / "weights" / "from-exports.yaml", "--month",
                        "2026-10", "--out", "monthly", "--webhook", url, cwd=tmp_path)
    assert time.monotonic() - started < 30
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "a webhook is an http:// or https:// URL" in " ".join(proc.stderr.split())
    assert not (tmp_path / "monthly").exists()


def test_a_run_whose_webhook_never_answers_stops_at_the_deadline(tmp_path, server):
    silent = server(_never_answers)
    generate_raw(tmp_path / "raw", n_customers=40, seed=3)
    started = time.monotonic()
    proc = _healthscore("run", "-w", ROOT / "weights" / "from-exports.yaml", "--data", ".",
                        "--backfill", "2026-09..2026-10", "--store", "s.db", "--out",
                        "monthly", "-q", "--webhook", silent.url(), cwd=tmp_path,
                        env={"HEALTHSCORE_WEBHOOK_DEADLINE": "2"}, timeout=120)
    took = time.monotonic() - started
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    text = " ".join(proc.stderr.split())
    assert f"http://127.0.0.1:{silent.port}/services/***:" in text
    assert "tier-change events were not delivered" in text and "XXXXSECRET" not in text
    assert silent.connections >= 1
    assert took < 60, took  # 11 events x 4 tries x 10 s before
    # the month is stored and its events written, only the delivery failed
    events = (tmp_path / "monthly" / "2026-10" / "events" / "tier-changes.jsonl").read_text()
    assert len(events.splitlines()) > 0


# ------------------------------------------------------------------------------ https


@pytest.fixture
def tls_hook(tmp_path):
    """The recording hook behind TLS, with a certificate for 127.0.0.1 made by openssl."""
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    Hook.fail, Hook.code, Hook.delay, Hook.bodies, Hook.calls = 0, 500, 0.0, [], 0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/services/T000/XXXXSECRET", cert
    httpd.shutdown()
    httpd.server_close()


def test_https_is_delivered_and_its_certificate_checked(tls_hook, monkeypatch):
    url, cert = tls_hook
    with pytest.raises(HealthscoreError, match="a: .*CERTIFICATE_VERIFY_FAILED.* after 1 try"):
        post_events(EVENTS[:1], url, retries=0)
    assert Hook.bodies == []
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the operator trusts this certificate
    assert post_events(EVENTS, url) == 3
    assert Hook.bodies == EVENTS


# ------------------------------------------------------------------------------ proxies


class Proxy(RawServer):
    """Records the first line of each request; answers `answer`."""

    def __init__(self, answer: bytes) -> None:
        self.lines: list[str] = []
        self.answer = answer
        super().__init__(self._handle)

    def _handle(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        self.lines.append(data.split(b"\r\n")[0].decode())
        conn.sendall(self.answer)


def test_the_operators_proxy_is_used(monkeypatch, hook):
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    plain_proxy = Proxy(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
    tunnel = Proxy(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    try:
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{plain_proxy.port}")
        monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{tunnel.port}")
        assert post_events(EVENTS[:1], "http://hooks.invalid/services/T0/XXXX") == 1
        assert plain_proxy.lines == ["POST http://hooks.invalid/services/T0/XXXX HTTP/1.1"]
        with pytest.raises(HealthscoreError, match="a: Tunnel connection failed: 403"):
            post_events(EVENTS[:1], "https://hooks.invalid/services/T0/XXXX", retries=0)
        assert tunnel.lines == ["CONNECT hooks.invalid:443 HTTP/1.0"]
        # no_proxy: straight to the hook
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        assert post_events(EVENTS[:1], hook) == 1 and len(plain_proxy.lines) == 1
    finally:
        plain_proxy.close()
        tunnel.close()
