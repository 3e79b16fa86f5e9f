"""The installed healthscore version, from the package metadata (pyproject.toml is the one
place it is written): recorded with every run and printed in the pages' footer."""

from importlib import metadata

try:
    __version__ = metadata.version("healthscore")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
