"""Single-line SVG fonts (``<font><glyph unicode d>``) as pen strokes, beside the Hershey fonts.

Inkscape's Hershey Text extension ships such fonts (Debian package ``inkscape``:
``/usr/share/inkscape/extensions/svg_fonts/EMS*.svg``, SIL Open Font License); they are
looked up there, or in the folders of ``$RECOGNIZER_SVG_FONTS`` (``:``-separated).  A font's
glyphs come out like ``render_glyphs`` of a Hershey font: device coordinates (y down), cap
top at y = -100, baseline at y = -30.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from defusedxml import ElementTree
from svg.path import Linear, Move, parse_path

DEFAULT_DIRS = ("/usr/share/inkscape/extensions/svg_fonts",)
CURVE_POINTS = 8  # points per curved segment
BASELINE, CAP_TOP = -30.0, -100.0  # where the Hershey fonts of synthesize_ink put them


def font_dirs() -> list[Path]:
    """Folders searched for ``NAME.svg``: ``$RECOGNIZER_SVG_FONTS``, then Inkscape's."""
    extra = [d for d in os.environ.get("RECOGNIZER_SVG_FONTS", "").split(":") if d]
    return [Path(d) for d in (*extra, *DEFAULT_DIRS)]


def find_font(name: str) -> Path | None:
    """The file of the SVG font ``name`` (e.g. ``EMSAllure``), or None."""
    return next((d / f"{name}.svg" for d in font_dirs() if (d / f"{name}.svg").is_file()), None)


def _subpaths(d: str) -> list[np.ndarray]:
    """The pen strokes of an SVG path: one polyline per subpath, curves sampled."""
    strokes, current = [], []
    for segment in parse_path(d):
        if isinstance(segment, Move):
            if len(current) > 1:
                strokes.append(current)
            current = [segment.end]
        elif isinstance(segment, Linear):  # Line and Close (a straight line back to the start)
            current.append(segment.end)
        else:  # Bezier curves and arcs
            current += [segment.point(t) for t in np.linspace(0, 1, CURVE_POINTS)[1:]]
    if len(current) > 1:
        strokes.append(current)
    return [np.array([[p.real, p.imag] for p in s]) for s in strokes]


class StrokeFont:
    """What the stroke fonts share: ``glyph(char)`` gives a letter's strokes in device units (pen
    position at x = 0, baseline at y = BASELINE) and its advance; letters are set side by side."""

    name: str

    def missing(self, text: str) -> set[str]:
        """Characters of ``text`` this font has no glyph for."""
        raise NotImplementedError

    def glyph(self, char: str) -> tuple[list[np.ndarray], float]:
        raise NotImplementedError

    def render_glyphs(self, word: str) -> list[list[np.ndarray]]:
        """Strokes of each letter of ``word`` in device coordinates (y down), as for Hershey fonts."""
        missing = self.missing(word)
        if missing:
            raise ValueError(f"font {self.name} has no glyph for {''.join(sorted(missing))!r}")
        glyphs, x = [], 0.0
        for char in word:
            strokes, advance = self.glyph(char)
            glyphs.append([s + [x, 0.0] for s in strokes])
            x += advance
        return glyphs


class SvgFont(StrokeFont):
    """The glyphs of one SVG font: strokes and advance per character."""

    def __init__(self, path: str | Path):
        root = ElementTree.parse(str(path)).getroot()
        font = next((e for e in root.iter() if e.tag.endswith("}font") or e.tag == "font"), None)
        if font is None:
            raise ValueError(f"{path}: no <font> element")
        default_advance = float(font.get("horiz-adv-x", 0))
        self.name = Path(path).stem
        self.glyphs: dict[str, tuple[list[np.ndarray], float]] = {}
        for glyph in font:
            if glyph.tag.endswith("glyph") and len(glyph.get("unicode", "")) == 1:
                strokes = _subpaths(glyph.get("d")) if glyph.get("d") else []
                self.glyphs[glyph.get("unicode")] = (strokes, float(glyph.get("horiz-adv-x", default_advance)))
        if "H" not in self.glyphs or not self.glyphs["H"][0]:
            raise ValueError(f"{path}: no glyph for 'H' to take the cap height from")
        self.scale = (BASELINE - CAP_TOP) / max(np.concatenate(self.glyphs["H"][0])[:, 1].max(), 1e-6)

    def missing(self, text: str) -> set[str]:
        return {c for c in text if c not in self.glyphs}

    def glyph(self, char: str) -> tuple[list[np.ndarray], float]:
        strokes, advance = self.glyphs[char]  # font units, y up
        return [np.column_stack([s[:, 0] * self.scale, BASELINE - s[:, 1] * self.scale]) for s in strokes], \
            advance * self.scale
