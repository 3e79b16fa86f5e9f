"""healthscore: customer health scores from raw exports, weight files and templates.

The public API a notebook user needs::

    import healthscore
    scores = healthscore.score(customers_df, "weights/default.yaml")
"""

from healthscore.engine import ScoreRun, score, score_run
from healthscore.errors import DataError, HealthscoreError, Problem, WeightFileError
from healthscore.resources import bundled_templates, bundled_weights
from healthscore.weights import WeightFile, check_files, load_weights

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "HealthscoreError",
    "Problem",
    "ScoreRun",
    "WeightFile",
    "WeightFileError",
    "bundled_templates",
    "bundled_weights",
    "check_files",
    "load_weights",
    "score",
    "score_run",
]
