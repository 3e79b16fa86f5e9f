"""The weight-file language: YAML parsed into pydantic models, validated with located errors."""

from healthscore.weights.load import check_files, load_weights
from healthscore.weights.model import SignalSpec, WeightFile
from healthscore.weights.profiles import Profile

__all__ = ["Profile", "SignalSpec", "WeightFile", "check_files", "load_weights"]
