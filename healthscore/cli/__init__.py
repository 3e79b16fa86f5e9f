"""The `healthscore` command: a thin layer over the public Python API."""

from healthscore.cli.app import app, main

__all__ = ["app", "main"]
