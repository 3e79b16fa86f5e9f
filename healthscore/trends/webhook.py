"""Delivering tier-change events to a webhook: each event POSTed as JSON, retried with
back-off on a timeout, a refused connection or a 5xx answer, so a CRM or chat channel hears
about "watch → at risk" the day the run lands."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from healthscore.errors import HealthscoreError, Problem

RETRIES = 3
TIMEOUT = 10.0
BACKOFF = 0.5  # seconds before the first retry, doubled each time


def _post(url: str, body: bytes, timeout: float) -> None:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        response.read()


def post_events(events: list[dict], url: str, *, retries: int = RETRIES,
                timeout: float = TIMEOUT, backoff: float = BACKOFF) -> int:
    """POST each event as JSON to `url`. A timeout, a refused connection or a 5xx answer is
    retried `retries` times with doubling back-off; a 4xx is not (the hook rejects it).
    Returns how many were delivered; raises HealthscoreError naming what failed."""
    failed: list[str] = []
    delivered = 0
    for event in events:
        body = json.dumps(event, ensure_ascii=False).encode()
        for attempt in range(retries + 1):
            try:
                _post(url, body, timeout)
                delivered += 1
                break
            except urllib.error.HTTPError as exc:
                reason = f"HTTP {exc.code}"
                if exc.code < 500:
                    failed.append(f"{event['customer_id']}: {reason}")
                    break
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                reason = str(getattr(exc, "reason", exc))
            if attempt == retries:
                failed.append(f"{event['customer_id']}: {reason} after {retries + 1} tries")
            else:
                time.sleep(backoff * 2 ** attempt)
    if failed:
        raise HealthscoreError(Problem(
            f"{len(failed)} of {len(events)} tier-change events were not delivered: "
            + "; ".join(failed[:5]), file=url, severity="error"))
    return delivered
