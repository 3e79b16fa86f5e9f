"""Text on a colour: which ink a tier pill (or any coloured label) gets, by WCAG 2 contrast.

Tier colours come from the weight file, so the pages cannot assume they are dark or light.
`ink_on` picks, for any colour, an ink whose contrast ratio is at least 4.5:1 (WCAG AA for
normal text): the dark page ink or white, whichever contrasts more, and pure black in the
few mid tones where neither reaches 4.5 (black then always does: a colour too light for
white has a contrast of more than 4.6 with black).
"""

from __future__ import annotations

from functools import lru_cache

AA = 4.5  # WCAG 2 level AA, normal-size text
DARK_INK = "#111827"
LIGHT_INK = "#ffffff"
BLACK = "#000000"


def _rgb(color: str) -> tuple[float, float, float]:
    c = color.strip().lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    if len(c) != 6:
        raise ValueError(f"not a hex colour like `#2f9e44`: `{color}`")
    try:
        return tuple(int(c[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]
    except ValueError:
        raise ValueError(f"not a hex colour like `#2f9e44`: `{color}`") from None


def luminance(color: str) -> float:
    """WCAG 2 relative luminance of a hex colour, 0 (black) to 1 (white)."""

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = _rgb(color)
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21 (order does not matter)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@lru_cache(maxsize=256)
def ink_on(color: str) -> str:
    """The text colour for a label on `color` that passes WCAG AA (at least 4.5:1)."""
    best = max((DARK_INK, LIGHT_INK), key=lambda ink: contrast(ink, color))
    return best if contrast(best, color) >= AA else BLACK
