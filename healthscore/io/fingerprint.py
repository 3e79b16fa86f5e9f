"""Input fingerprints and the run id derived from them.

A run id is a hash of what determines the scores: the as-of date, the resolved weights'
digest and the size and SHA-256 of every input file (a folder: of every file in it). Running
the same month with the same weights and exports again gives the same id, so the store
replaces the run instead of keeping two copies; a changed export or weight file gives a new
id. The weight file's own bytes do not count (its resolved digest does), so a comment edit is
not a new run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

CHUNK = 1 << 20
NOT_HASHED = ("weights",)  # input roles covered by the weights digest instead


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def frame_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of a table in memory: its column names and every value (vectorised row hashes),
    so a run of a notebook's DataFrame has a content id like a run of a file."""
    digest = hashlib.sha256("\0".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def fingerprint(location: str | Path | pd.DataFrame) -> dict:
    """`{path, size, sha256}` of a file; of a folder the total size and a hash over its files'
    relative paths and hashes (hidden files aside); of a DataFrame its rows and content hash;
    of anything else (a database URL) just the description."""
    if isinstance(location, pd.DataFrame):
        return {"path": "<DataFrame>", "rows": len(location),
                "sha256": frame_digest(location)}
    path = Path(location)
    if path.is_file():
        return {"path": str(location), "size": path.stat().st_size, "sha256": _sha256(path)}
    if path.is_dir():
        files = sorted(p for p in path.rglob("*")
                       if p.is_file() and not any(part.startswith(".")
                                                  for part in p.relative_to(path).parts))
        combined = hashlib.sha256()
        size = 0
        for file in files:
            size += file.stat().st_size
            combined.update(f"{file.relative_to(path).as_posix()}\0{_sha256(file)}\n".encode())
        return {"path": str(location), "files": len(files), "size": size,
                "sha256": combined.hexdigest()}
    return {"path": str(location)}


def fingerprints(inputs: dict[str, str | Path | pd.DataFrame]) -> dict[str, dict]:
    return {role: fingerprint(where) for role, where in sorted(inputs.items())}


def run_id(as_of: str, weights_digest: str, prints: dict[str, dict]) -> str:
    """16 hex digits identifying (as-of, weights, input contents)."""
    content = {role: [p.get("size"), p.get("sha256"), None if "sha256" in p else p["path"]]
               for role, p in prints.items() if role not in NOT_HASHED}
    text = json.dumps({"as_of": str(as_of), "weights": weights_digest, "inputs": content},
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
