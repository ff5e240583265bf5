"""Handwriting-like outline fonts (TrueType / OpenType) as pen strokes, beside the stroke fonts.

An outline font draws a letter as a filled shape, not as the path of a pen.  Each glyph is
drawn with Pillow, thinned to its centre line (scikit-image's ``skeletonize``), its short
spurs pruned, and the centre line traced into strokes (at a crossing the pen goes on in the
straightest direction).  Debian ships many handwriting fonts (``fonts-dancingscript``,
``fonts-kristi``, ``fonts-bwht``, ``fonts-dkg-handwriting``, ...); a font is found by its file
name without extension (``Kristi``, ``DancingScript-Regular``) in the folders of
``$RECOGNIZER_OUTLINE_FONTS`` (``:``-separated), then anywhere under ``/usr/share/fonts``.
Glyphs come out like those of ``pipelines.svg_fonts``: device coordinates (y down), cap top
at y = -100, baseline at y = -30.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from pipelines.svg_fonts import BASELINE, CAP_TOP, StrokeFont

DEFAULT_DIRS = ("/usr/share/fonts",)
SUFFIXES = (".ttf", ".otf")
CAP_PIXELS = 90  # cap height of the drawn glyphs: the resolution of the centre lines
NEIGHBOURS = [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc]


def font_dirs() -> list[Path]:
    """Folders searched (recursively) for ``NAME.ttf`` / ``NAME.otf``."""
    extra = [d for d in os.environ.get("RECOGNIZER_OUTLINE_FONTS", "").split(":") if d]
    return [Path(d) for d in (*extra, *DEFAULT_DIRS)]


def find_font(name: str) -> Path | None:
    """The file of the outline font ``name`` (e.g. ``Kristi``), or None."""
    for folder in font_dirs():
        for suffix in SUFFIXES:
            direct = folder / f"{name}{suffix}"
            if direct.is_file():
                return direct
            found = next(folder.rglob(f"{name}{suffix}"), None) if folder.is_dir() else None
            if found:
                return found
    return None


def _skeleton_graph(skeleton: np.ndarray) -> tuple[dict, set]:
    """8-connected neighbours of every centre-line pixel, and the nodes (pixels with other than
    two neighbours: line ends, crossings, isolated dots)."""
    pixels = set(zip(*np.nonzero(skeleton)))
    adjacent = {p: [(p[0] + dr, p[1] + dc) for dr, dc in NEIGHBOURS if (p[0] + dr, p[1] + dc) in pixels]
                for p in pixels}
    return adjacent, {p for p, n in adjacent.items() if len(n) != 2}


def _edges(adjacent: dict, nodes: set) -> list[list[tuple]]:
    """The centre line cut into pixel paths between nodes (closed loops without nodes too)."""
    seen_steps, edges = set(), []

    def walk(start, first):
        path, previous, current = [start, first], start, first
        seen_steps.update({(start, first), (first, start)})
        while current not in nodes and current != start:
            step = next((n for n in adjacent[current] if n != previous and (current, n) not in seen_steps), None)
            if step is None:
                break
            seen_steps.update({(current, step), (step, current)})
            path.append(step)
            previous, current = current, step
        return path

    for node in sorted(nodes):
        if not adjacent[node]:
            edges.append([node])
        for neighbour in adjacent[node]:
            if (node, neighbour) not in seen_steps:
                edges.append(walk(node, neighbour))
    for pixel in sorted(adjacent):  # loops with no node on them ('o', '0')
        for neighbour in adjacent[pixel]:
            if (pixel, neighbour) not in seen_steps:
                edges.append(walk(pixel, neighbour))
    return edges


def _prune(edges: list[list[tuple]], adjacent: dict, shortest: float) -> list[list[tuple]]:
    """Edges that run from a line end to a crossing and are shorter than ``shortest`` pixels are
    spurs of the thinning (corners of a thick stroke), not strokes: left out."""
    def is_end(p):
        return len(adjacent[p]) == 1

    def is_spur(e):
        return len(e) < shortest and (is_end(e[0]) != is_end(e[-1]))
    return [e for e in edges if not is_spur(e)]


def _node_clusters(nodes: set) -> dict[tuple, tuple]:
    """Each node pixel mapped to one pixel of its 8-connected group of nodes: a crossing is
    often a few touching node pixels, and counts as one."""
    cluster: dict[tuple, tuple] = {}
    for start in sorted(nodes):
        if start in cluster:
            continue
        cluster[start], todo = start, [start]
        while todo:
            r, c = todo.pop()
            for dr, dc in NEIGHBOURS:
                n = (r + dr, c + dc)
                if n in nodes and n not in cluster:
                    cluster[n] = start
                    todo.append(n)
    return cluster


def _direction(path: list[tuple], reach: int = 6) -> np.ndarray:
    """Unit direction in which ``path`` leaves its last pixel."""
    tail = np.array(path[-min(reach, len(path)):], dtype=float)
    step = tail[-1] - tail[0]
    norm = np.linalg.norm(step)
    return step / norm if norm else step


def _start(edge: list[tuple], degree: dict) -> list[tuple]:
    """``edge`` turned to begin at a free line end (the left one if both are; with none, at its last pixel)."""
    free_first, free_last = degree[edge[0]] == 1, degree[edge[-1]] == 1
    if free_first and free_last:
        return edge if edge[0][1] <= edge[-1][1] else edge[::-1]
    return edge if free_first else edge[::-1]


def _trace(edges: list[list[tuple]]) -> list[list[tuple]]:
    """Edges joined into pen strokes: each stroke starts at the leftmost free line end, and at a
    crossing goes on along the unused edge that turns least (if it turns less than 80 degrees)."""
    clusters = _node_clusters({p for e in edges for p in (e[0], e[-1])})

    def inside(e):  # a short step between two pixels of one crossing
        return clusters[e[0]] == clusters[e[-1]] and len(e) <= 3
    leaving = {clusters[p] for e in edges if not inside(e) for p in (e[0], e[-1])}
    edges = [e for e in edges if not inside(e) or clusters[e[0]] not in leaving]  # a dot is kept
    at: dict[tuple, list[int]] = {}
    for i, e in enumerate(edges):
        at.setdefault(clusters[e[0]], []).append(i)
        at.setdefault(clusters[e[-1]], []).append(i)
    degree = {p: len(at.get(c, ())) for p, c in clusters.items()}  # edges meeting at an edge's end
    unused, strokes = list(range(len(edges))), []
    while unused:
        ends = [i for i in unused if degree[edges[i][0]] == 1 or degree[edges[i][-1]] == 1] or unused
        first = min(ends, key=lambda i: min(edges[i][0][1], edges[i][-1][1]))
        unused.remove(first)
        path = _start(edges[first], degree)
        while True:
            heading, options = _direction(path), []
            for i in at.get(clusters[path[-1]], []):
                if i in unused:
                    e = edges[i] if clusters[edges[i][0]] == clusters[path[-1]] else edges[i][::-1]
                    options.append((float(heading @ _direction(e[:7])), i, e))
            score, i, e = max(options, key=lambda o: o[0], default=(-1.0, None, None))
            if score < np.cos(np.radians(80)):
                break
            unused.remove(i)
            path = path + e[1:]
        strokes.append(path)
    return strokes


def glyph_strokes(mask: np.ndarray) -> list[np.ndarray]:
    """Pen strokes (pixel ``(col, row)`` polylines) along the centre line of a glyph's filled shape."""
    from scipy.ndimage import distance_transform_edt
    from skimage.measure import approximate_polygon
    from skimage.morphology import skeletonize

    skeleton = skeletonize(mask)
    if not skeleton.any():
        return []
    width = 2 * float(np.median(distance_transform_edt(mask)[skeleton]))
    adjacent, nodes = _skeleton_graph(skeleton)
    edges = _prune(_edges(adjacent, nodes), adjacent, shortest=width + 2)
    strokes = []
    for path in _trace(edges):
        rows_cols = np.array(path, dtype=float)
        if len(rows_cols) == 1:  # a dot: a tiny stroke
            rows_cols = np.vstack([rows_cols, rows_cols + [0.0, 1.0]])
        simplified = approximate_polygon(rows_cols, tolerance=0.7)
        strokes.append(simplified[:, ::-1])
    return strokes


class OutlineFont(StrokeFont):
    """The glyphs of one outline font as pen strokes, drawn on demand and kept."""

    def __init__(self, path: str | Path):
        from fontTools.ttLib import TTFont

        self.name = Path(path).stem
        logging.getLogger("fontTools").setLevel(logging.ERROR)  # its notes on harmless table quirks
        try:
            cmap = TTFont(str(path), lazy=True).getBestCmap() or {}
            probe = ImageFont.truetype(str(path), 100)
        except Exception as e:  # fontTools and FreeType raise many kinds
            raise ValueError(f"{path}: not a readable TrueType/OpenType font ({e})") from e
        self.chars = {chr(c) for c in cmap}
        if "H" not in self.chars:
            raise ValueError(f"{path}: no glyph for 'H' to take the cap height from")
        cap = -probe.getbbox("H", anchor="ls")[1]
        self.face = ImageFont.truetype(str(path), max(8, round(100 * CAP_PIXELS / max(cap, 1))))
        self.scale = (BASELINE - CAP_TOP) / -self.face.getbbox("H", anchor="ls")[1]
        self._glyphs: dict[str, tuple[list[np.ndarray], float]] = {}

    def missing(self, text: str) -> set[str]:
        return {c for c in text if c not in self.chars}

    def glyph(self, char: str) -> tuple[list[np.ndarray], float]:
        """Strokes of ``char`` (device units, pen position at x = 0, baseline at y = BASELINE) and its
        advance, drawn and traced the first time."""
        if char not in self._glyphs:
            left, top, right, bottom = self.face.getbbox(char, anchor="ls")
            pad = 3
            image = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
            origin = (pad - left, pad - top)
            ImageDraw.Draw(image).text(origin, char, font=self.face, fill=255, anchor="ls")
            strokes = [np.column_stack([(s[:, 0] - origin[0]) * self.scale,
                                        BASELINE + (s[:, 1] - origin[1]) * self.scale])
                       for s in glyph_strokes(np.asarray(image) > 64)]
            self._glyphs[char] = (strokes, self.face.getlength(char) * self.scale)
        return self._glyphs[char]
