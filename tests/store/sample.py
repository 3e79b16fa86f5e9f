"""Scored runs for the store tests: a seeded portfolio, the run record, and a worker entry
point that records a run from a separate process (concurrency and kill tests)."""

from __future__ import annotations

import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

import healthscore
from healthscore.sample import generate_customers

AS_OF = date(2026, 10, 31)
CREATED = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def weights(tweak: float | None = None):
    wf = healthscore.load_weights(healthscore.bundled_weights() / "default.yaml")
    if tweak is not None:  # another weight file: csat weighs differently
        data = wf.model_dump(mode="json", exclude_none=True)
        data["signals"]["csat"]["weight"] = tweak
        data["name"] = f"default, csat x{tweak}"
        wf = healthscore.WeightFile.model_validate(data)
    return wf


def scored(n: int = 120, seed: int = 7, as_of: date = AS_OF, tweak: float | None = None,
           extra: bool = False) -> tuple[pd.DataFrame, dict]:
    wf = weights(tweak)
    table = generate_customers(n, seed=seed, as_of=as_of)
    run = healthscore.score_run(table, wf, as_of=as_of)
    run.created_at, run.methods, run.warnings = CREATED, {"csat": "given"}, ["a warning"]
    frame = run.frame
    if extra:  # carried columns beyond the known ones: numbers, dates, flags, text
        frame["seats"] = table["seats"].astype("int64")
        frame["last_survey_at"] = table["last_survey_at"]
        frame["strategic"] = frame["arr"] > 50_000
        frame["region"] = pd.Series(["emea", None] * (n // 2) + ["apac"] * (n % 2),
                                    dtype=object)
    record = run.record()
    return frame, record


def input_file(folder: Path, seed: int) -> Path:
    path = folder / f"customers-{seed}.csv"
    if not path.exists():
        generate_customers(40, seed=seed).to_csv(path, index=False)
    return path


def main(argv: list[str]) -> None:
    """`python -m tests.store.sample TARGET N SEED INPUT [SLEEP]`: record one run; with SLEEP,
    write in small batches and sleep after the first one (printing `writing`), to be killed."""
    from healthscore.store import open_store, record_run
    from healthscore.store import write as store_write

    target, n, seed, source = argv[0], int(argv[1]), int(argv[2]), argv[3]
    pause = float(argv[4]) if len(argv) > 4 else 0.0
    frame, record = scored(n, seed)
    progress = None
    if pause:
        store_write.BATCH = 50

        def progress(done: int, total: int) -> None:
            print("writing", done, total, flush=True)
            time.sleep(pause)

    with open_store(target) as store:
        recorded = record_run(store, frame, record, inputs={"customers": source},
                              progress=progress)
    print("recorded", recorded.run_id, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
