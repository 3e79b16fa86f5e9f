"""Scoring: normalise → weight → combine → tier → explain → roll up."""

from healthscore.engine.run import ScoreRun, score, score_run

__all__ = ["ScoreRun", "score", "score_run"]
