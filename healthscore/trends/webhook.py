"""Delivering tier-change events to a webhook: each event POSTed as JSON, retried with
back-off on a timeout, a refused connection or a 5xx answer, so a CRM or chat channel hears
about "watch → at risk" the day the run lands.

What a webhook URL may cost the run is bounded (docs/security.md):

- only `http://` and `https://` URLs (`check_url`): no `file://`, `ftp://` or other scheme a
  URL library would also open;
- one **deadline for all deliveries of a run** (`deadline=`, default `DEADLINE` seconds, or
  `$HEALTHSCORE_WEBHOOK_DEADLINE`) and one per attempt (`timeout=`), each over the whole
  attempt, not per read: a server that never answers, or drips a byte every few seconds,
  costs at most that long;
- at most `MAX_ANSWER` bytes of an answer's status line and headers are read, and none of
  its body (only the status counts);
- the URL's path and query often hold the secret (`https://hooks.example.com/services/T0/B0/
  XXXX`): every message shows it masked (`mask`), `https://hooks.example.com/services/***`;
- what was not delivered can be kept in a pending file next to the events (`pending=`):
  `deliver` sends what an earlier run left there before the new events, `redeliver` only
  that, and the file keeps exactly what still failed (removed once everything arrived).

The operator's proxy settings (`https_proxy`, `http_proxy`, `no_proxy`) are followed, as
urllib did.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from healthscore.errors import HealthscoreError, Problem
from healthscore.io.atomic import atomic_file

RETRIES = 3
TIMEOUT = 10.0  # seconds for one attempt, connecting to reading the answer
BACKOFF = 0.5  # seconds before the first retry, doubled each time
DEADLINE = 300.0  # seconds for every delivery of one run together
ENV_DEADLINE = "HEALTHSCORE_WEBHOOK_DEADLINE"
MAX_ANSWER = 64 * 1024  # bytes of an answer (status line and headers) that are read
PENDING = "tier-changes.pending.jsonl"  # next to events/tier-changes.jsonl
OPTION = "--webhook"
_WORD = re.compile(r"^[a-z][a-z_-]{0,19}$")  # a path segment shown: `services`, `hooks`, `api`


# ------------------------------------------------------------------------------ the URL


def mask(url: str) -> str:
    """The URL as messages show it: scheme and host; of the path at most a first plain word
    (`services`, `api`) when more follows; the rest, the query and any user:password `***`."""
    text = str(url).strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or not parts.scheme or not parts.netloc:
        head = re.split(r"[/?#@]", text, maxsplit=1)[0]
        return head + ("/***" if head != text else "")
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    shown = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
    segments = [s for s in parts.path.split("/") if s]
    if not segments and not parts.query and not parts.fragment:
        return shown + parts.path
    if len(segments) > 1 and _WORD.match(segments[0]):
        return f"{shown}/{segments[0]}/***"
    return shown + "/***"


def check_url(url: str) -> str:
    """`url` when it is an http(s) URL with a host; else a HealthscoreError saying what was
    found (masked), without contacting anything."""
    text = str(url).strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError as exc:
        raise _bad(text, f"a URL whose host or port cannot be read ({exc})") from None
    if not parts.scheme or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*$", parts.scheme):
        raise _bad(text, "text that is not a URL")
    if parts.scheme.lower() not in ("http", "https"):
        raise _bad(text, f"a `{parts.scheme}:` URL")
    if not parts.hostname:
        raise _bad(text, "a URL without a host")
    if any(c in text for c in "\r\n\t ") or any(ord(c) < 32 for c in text):
        raise _bad(text, "a URL with spaces or control characters")
    return text


def _bad(text: str, found: str) -> HealthscoreError:
    return HealthscoreError(Problem(
        f"a webhook is an http:// or https:// URL (e.g. https://hooks.example.com/services/…); "
        f"found {found}: `{mask(text)}`", key=OPTION))


def deadline_seconds(value: float | None = None) -> float:
    """The deadline for all deliveries of a run: `value`, else $HEALTHSCORE_WEBHOOK_DEADLINE,
    else `DEADLINE`."""
    if value is not None:
        return float(value)
    text = os.environ.get(ENV_DEADLINE, "").strip()
    if not text:
        return DEADLINE
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < 86400:
        raise HealthscoreError(Problem(f"give seconds between 0 and 86400, e.g. 120; found "
                                       f"`{text}`", key=ENV_DEADLINE))
    return seconds


# ------------------------------------------------------------------------------ one POST


class _Late(TimeoutError):
    def __init__(self) -> None:
        super().__init__("timed out")


class _TooLong(OSError):
    def __init__(self) -> None:
        super().__init__(f"the answer is longer than {MAX_ANSWER // 1024} KiB")


def _left(until: float) -> float:
    left = until - time.monotonic()
    if left <= 0:
        raise _Late
    return left


class _Reader(io.RawIOBase):
    """The socket as a file whose every read waits only until `until`, and which gives at
    most `MAX_ANSWER` bytes."""

    def __init__(self, sock, until: float) -> None:
        super().__init__()
        self._sock, self._until, self._read = sock, until, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        room = MAX_ANSWER - self._read
        if room <= 0:
            raise _TooLong
        self._sock.settimeout(_left(self._until))
        n = self._sock.recv_into(memoryview(buffer)[:room])
        self._read += n
        return n


class _Bounded:
    """A connected socket whose sends and reads all end by `until`."""

    def __init__(self, sock, until: float) -> None:
        self._sock, self._until = sock, until

    def sendall(self, data) -> None:
        self._sock.settimeout(_left(self._until))
        self._sock.sendall(data)

    def makefile(self, *args, **kwargs):  # noqa: ANN002, ANN003 - http.client's call
        return io.BufferedReader(_Reader(self._sock, self._until))

    def close(self) -> None:
        self._sock.close()

    def __getattr__(self, name: str):  # noqa: ANN204 - anything else is the socket's
        return getattr(self._sock, name)


class _Timed:
    """An HTTP(S) connection whose connect, TLS handshake, send and answer all end by
    `until`."""

    def __init__(self, host: str, port: int | None, *, until: float) -> None:
        super().__init__(host, port, timeout=_left(until))
        self._until = until

    def connect(self) -> None:
        self.timeout = _left(self._until)
        super().connect()
        self.sock = _Bounded(self.sock, self._until)


class _HTTP(_Timed, http.client.HTTPConnection):
    pass


class _HTTPS(_Timed, http.client.HTTPSConnection):
    pass


def _basic(username: str, password: str | None) -> str:
    secret = f"{unquote(username)}:{unquote(password or '')}"
    return "Basic " + base64.b64encode(secret.encode()).decode()


def _proxy(parts) -> tuple[str, int, str | None] | None:  # noqa: ANN001 - a SplitResult
    """The operator's proxy for this URL (`https_proxy`, `http_proxy`, `no_proxy`, as urllib
    reads them): host, port and its Proxy-Authorization, or None."""
    from urllib.request import getproxies, proxy_bypass

    proxy = getproxies().get(parts.scheme.lower())
    if not proxy or proxy_bypass(parts.hostname):
        return None
    via = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if via.scheme.lower() != "http" or not via.hostname:
        raise OSError(f"the {parts.scheme} proxy must be an http:// URL with a host")
    auth = _basic(via.username, via.password) if via.username is not None else None
    return via.hostname, via.port or 80, auth


def _post(url: str, body: bytes, until: float) -> int:
    """POST `body`; the answer's status. Raises OSError / HTTPException when there is none by
    `until`. Through the operator's proxy when one is set: a CONNECT tunnel for https, the
    whole URL as the request target for http."""
    parts = urlsplit(url)
    https = parts.scheme.lower() == "https"
    headers = {"Content-Type": "application/json", "User-Agent": "healthscore"}
    if parts.username is not None:
        headers["Authorization"] = _basic(parts.username, parts.password)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    proxy = _proxy(parts)
    if proxy is None:
        conn = (_HTTPS if https else _HTTP)(parts.hostname, parts.port, until=until)
    elif https:
        conn = _HTTPS(proxy[0], proxy[1], until=until)
        conn.set_tunnel(parts.hostname, parts.port,
                        headers={"Proxy-Authorization": proxy[2]} if proxy[2] else None)
    else:
        conn = _HTTP(proxy[0], proxy[1], until=until)
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = host + (f":{parts.port}" if parts.port else "")
        target = f"http://{netloc}{target}"
        if proxy[2]:
            headers["Proxy-Authorization"] = proxy[2]
    try:
        conn.request("POST", target, body=body, headers=headers)
        return conn.getresponse().status  # only the status counts: the body is never read
    finally:
        conn.close()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]


# ------------------------------------------------------------------------------ deliveries


def post_events(events: list[dict], url: str, *, retries: int = RETRIES,
                timeout: float = TIMEOUT, backoff: float = BACKOFF,
                deadline: float | None = None, pending: str | Path | None = None) -> int:
    """POST each event as JSON to `url` (http or https). A timeout, a refused connection or a
    5xx answer is retried `retries` times with doubling back-off; any other answer that is not
    2xx is not (the hook rejects it). Every attempt ends within `timeout` seconds, and all of
    them within `deadline` (default: $HEALTHSCORE_WEBHOOK_DEADLINE, else `DEADLINE`); events
    not tried by then are not delivered. `pending`: a file that afterwards holds exactly the
    undelivered events, as JSON lines (removed when there are none).
    Returns how many were delivered; raises HealthscoreError naming what failed (the URL
    masked)."""
    url = check_url(url)
    seconds = deadline_seconds(deadline)
    end = time.monotonic() + seconds
    failed: list[str] = []
    undelivered: list[dict] = []
    delivered = 0
    for event in events:
        body = json.dumps(event, ensure_ascii=False, allow_nan=False).encode()
        reason = _deliver(url, body, end, retries, timeout, backoff, seconds)
        if reason is None:
            delivered += 1
        else:
            failed.append(f"{event.get('customer_id', '?')}: {reason}")
            undelivered.append(event)
    if pending is not None:
        _write_pending(undelivered, Path(pending))
    if failed:
        kept = f"; kept in {pending} to be sent again" if pending is not None else ""
        raise HealthscoreError(Problem(
            f"{len(failed)} of {len(events)} tier-change events were not delivered{kept}: "
            + "; ".join(failed[:5]) + ("; …" if len(failed) > 5 else ""),
            file=mask(url), severity="error"))
    return delivered


def _deliver(url: str, body: bytes, end: float, retries: int, timeout: float, backoff: float,
             seconds: float) -> str | None:
    """Deliver one event; None, or why it was not delivered."""
    late = f"the {seconds:g} s for all deliveries had passed"
    reason = ""
    for attempt in range(retries + 1):
        start = time.monotonic()
        if start >= end:
            return f"not sent: {late}" if attempt == 0 else f"{reason} {_tries(attempt)}, " \
                                                           f"then {late}"
        try:
            status = _post(url, body, min(start + timeout, end))
        except (OSError, http.client.HTTPException) as exc:
            reason = _reason(exc)
        else:
            if 200 <= status < 300:
                return None
            reason = f"HTTP {status}"
            if status < 500:
                return reason
        if attempt < retries:
            time.sleep(max(0.0, min(backoff * 2 ** attempt, end - time.monotonic())))
    return f"{reason} {_tries(retries + 1)}"


def _tries(n: int) -> str:
    return f"after {n} {'try' if n == 1 else 'tries'}"


def deliver(events: list[dict], url: str, pending: str | Path, **options) -> int:
    """Send what an earlier run left in `pending`, then `events` (an event already pending is
    sent once); `pending` then holds what still failed. Options as `post_events`. Returns how
    many were delivered; raises HealthscoreError naming what failed."""
    queue = read_pending(pending)
    seen = {_key(e) for e in queue}
    queue += [e for e in events if _key(e) not in seen]
    if not queue:
        return 0
    return post_events(queue, url, pending=pending, **options)


def redeliver(pending: str | Path, url: str, **options) -> int:
    """Send again what `pending` holds (nothing when it does not exist)."""
    return deliver([], url, pending, **options)


def read_pending(path: str | Path) -> list[dict]:
    """The events a pending file holds ([] when there is none)."""
    path = Path(path)
    if not path.exists():
        return []
    events = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except json.JSONDecodeError as exc:
            raise HealthscoreError(Problem(f"not a JSON event ({exc.msg}); remove the line or "
                                           "the file", file=str(path), line=number)) from None
        if not isinstance(event, dict):
            raise HealthscoreError(Problem("not a JSON event (an object); remove the line or "
                                           "the file", file=str(path), line=number))
        events.append(event)
    return events


def _write_pending(events: Iterable[dict], path: Path) -> None:
    events = list(events)
    if not events:
        path.unlink(missing_ok=True)
        return
    with atomic_file(path) as tmp:
        Path(tmp).write_text("".join(json.dumps(e, ensure_ascii=False, allow_nan=False) + "\n"
                                     for e in events), encoding="utf-8")


def _key(event: dict) -> str:
    return json.dumps(event, sort_keys=True, ensure_ascii=False)
