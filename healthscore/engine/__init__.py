"""Scoring: normalise → weight → combine → tier → explain → roll up, as one `Run` into sinks."""

from healthscore.engine.run import Run, RunResult, score, score_run

__all__ = ["Run", "RunResult", "score", "score_run"]
