"""Stroke features: normalise ink, resample by arc length, per-point feature vectors.

The one feature definition for handwriting, shared by training, serving and export.
Ink in any unit and at any offset gives the same features: coordinates are translated
and divided by a robust writing-height estimate before resampling.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from recognizer.ink import Ink

MAX_ASPECT = 200.0  # the widest line, in writing heights, whose height is measured as written
FEATURE_NAMES = ("dx", "dy", "pen_up", "cos", "sin", "curv_cos", "curv_sin")


@dataclass(frozen=True)
class InkFeatureConfig:
    """Parameters of the stroke front-end; ``step`` is in units of the writing height."""

    step: float = 0.1
    slant_correction: bool = False
    height_quantiles: tuple[float, float] = (0.1, 0.9)

    @property
    def dim(self) -> int:
        return len(FEATURE_NAMES)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["height_quantiles"] = list(self.height_quantiles)
        data["kind"] = "ink"
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "InkFeatureConfig":
        data = {k: v for k, v in data.items() if k != "kind"}
        if "height_quantiles" in data:
            data["height_quantiles"] = tuple(data["height_quantiles"])
        return cls(**data)


def writing_height(points: np.ndarray, quantiles=(0.1, 0.9)) -> float:
    """Height of the writing from y quantiles of arc-length-uniform points (robust to
    ascenders and descenders, which occupy few of them)."""
    lo, hi = np.quantile(points[:, 1], quantiles)
    height = float(hi - lo)
    if height <= 0:
        span = float(np.ptp(points[:, 0])) if len(points) else 0.0
        height = span / 4 if span > 0 else 1.0
    return height


def _resample(points: np.ndarray, sizes: np.ndarray, step: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each stroke (``sizes`` consecutive rows of ``points``) resampled every ``step`` along
    its path, first and last point kept.  Returns the new points, the new stroke sizes and,
    for each new point, the index within its stroke of the nearest original point before it;
    one set of NumPy calls for the whole ink (lines have hundreds of strokes)."""
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    into = np.concatenate([[0.0], np.linalg.norm(np.diff(points, axis=0), axis=1)])
    into[starts] = 1.0  # a gap between strokes keeps the running arc length strictly apart per stroke
    arc = np.cumsum(into)
    total = arc[starts + sizes - 1] - arc[starts]
    counts = np.where(total > 0, np.maximum(2, np.ceil(total / step).astype(np.int64) + 1), 1)
    counts = np.where(sizes < 2, sizes, counts)
    stroke = np.repeat(np.arange(len(sizes)), counts)
    j = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    position = arc[starts][stroke] + j / np.maximum(counts - 1, 1)[stroke] * total[stroke]
    i = np.searchsorted(arc, position, side="right") - 1
    i = np.clip(i, starts[stroke], (starts + sizes - 1)[stroke])
    i = np.where(counts[stroke] == 1, starts[stroke], i)
    i = np.where((counts[stroke] > 1) & (j == counts[stroke] - 1), (starts + sizes - 1)[stroke], i)  # ends exactly
    after = np.minimum(i + 1, len(points) - 1)
    last = i == (starts + sizes - 1)[stroke]
    width = np.where(last, 1.0, arc[after] - arc[i])
    t = np.where(last, 0.0, (position - arc[i]) / np.where(width > 0, width, 1.0))[:, None]
    return points[i] + t * (points[after] - points[i]), counts, i - starts[stroke]


def _deslant(points: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Shear so that the median slant of mostly-vertical segments (within 45 degrees) becomes vertical."""
    d = np.diff(points, axis=0)
    d = np.delete(d, np.cumsum(sizes)[:-1] - 1, axis=0)  # no segments between strokes
    vertical = d[np.abs(d[:, 1]) > np.abs(d[:, 0])]
    if len(vertical) < 3:
        return points
    shear = float(np.median(vertical[:, 0] / vertical[:, 1]))
    return np.stack([points[:, 0] - shear * points[:, 1], points[:, 1]], axis=1)


def _normalize(ink: Ink, config: InkFeatureConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`normalize_ink` on all strokes as one array: points, stroke sizes, source indices."""
    sizes = np.array([len(s) for s in ink.strokes])
    points = np.concatenate([s[:, :2] for s in ink.strokes])
    peak = float(np.max(np.abs(points)))
    if peak > 1e150:  # astronomically large coordinates: scale down first so differences cannot overflow
        points = points / peak
    centered = points - points.mean(axis=0)
    points = centered / (float(np.max(np.abs(centered))) or 1.0)  # well-conditioned before resampling
    uniform = _resample(points, sizes, 0.01)[0]
    # a flat scribble (all y nearly equal) must not count as microscopic writing: the height is
    # at least 1/MAX_ASPECT of the ink's extent, which bounds the number of resampled points
    extent = float(np.max(np.ptp(uniform, axis=0)))
    points = points / max(writing_height(uniform, config.height_quantiles), extent / MAX_ASPECT)
    if config.slant_correction:
        points = _deslant(points, sizes)
    points, counts, sources = _resample(points, sizes, config.step)
    return points - np.array([points[:, 0].min(), np.median(points[:, 1])]), counts, sources


def normalize_ink(ink: Ink, config: InkFeatureConfig = InkFeatureConfig(), with_index: bool = False):
    """Strokes translated (left edge, vertical median at 0), scaled to unit writing height and
    resampled every ``config.step``; y still grows downward.  With ``with_index`` also returns,
    per stroke, the original point index each resampled point comes from."""
    points, counts, sources = _normalize(ink, config)
    cuts = np.cumsum(counts)[:-1]
    strokes = np.split(points, cuts)
    return (strokes, np.split(sources, cuts)) if with_index else strokes


def _stroke_index(counts: np.ndarray, sources: np.ndarray) -> np.ndarray:
    return np.column_stack([np.repeat(np.arange(len(counts)), counts), sources])


def point_index(ink: Ink, config: InkFeatureConfig = InkFeatureConfig()) -> np.ndarray:
    """``(N, 2)`` (stroke, point) of the original ink for each feature row of :func:`ink_features`."""
    _, counts, sources = _normalize(ink, config)
    return _stroke_index(counts, sources)


def ink_features(ink: Ink, config: InkFeatureConfig = InkFeatureConfig()) -> np.ndarray:
    """Per-point features ``(N, 7)`` float32: dx, dy, pen-up (1 on the last point of a stroke),
    direction (cos, sin) and curvature (cos, sin of the turn between segments)."""
    points, counts, _ = _normalize(ink, config)
    return _stroke_features(points, counts)


def ink_features_and_index(ink: Ink, config: InkFeatureConfig = InkFeatureConfig()) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ink_features` and :func:`point_index` from one normalisation (the costly part)."""
    points, counts, sources = _normalize(ink, config)
    return _stroke_features(points, counts), _stroke_index(counts, sources)


def _stroke_features(points: np.ndarray, counts: np.ndarray) -> np.ndarray:
    pen_up = np.zeros(len(points))
    pen_up[np.cumsum(counts) - 1] = 1.0
    delta = np.diff(points, axis=0, prepend=points[:1])
    length = np.linalg.norm(delta, axis=1, keepdims=True)
    direction = np.where(length > 1e-9, delta / np.maximum(length, 1e-9), 0.0)
    cos_prev = np.vstack([direction[:1], direction[:-1]])
    curv_cos = np.sum(direction * cos_prev, axis=1)
    curv_sin = direction[:, 1] * cos_prev[:, 0] - direction[:, 0] * cos_prev[:, 1]
    features = np.column_stack([delta, pen_up, direction, curv_cos, curv_sin])
    return np.clip(features, -10.0, 10.0).astype(np.float32)
