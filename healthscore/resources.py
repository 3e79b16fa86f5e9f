"""Where the built-in weight files and templates are.

The top-level `weights/` and `templates/` folders are the one source of truth; the wheel
carries them as `healthscore/_bundled/…`, and a source checkout uses them in place.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str) -> Path:
    inside = _PACKAGE / "_bundled" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / name


def bundled_weights() -> Path:
    return _bundled("weights")


def bundled_templates() -> Path:
    return _bundled("templates")
