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


def _resample_strokes(strokes: list[np.ndarray], step: float) -> tuple[list, list]:
    """Each stroke resampled every ``step`` along its path (first and last point kept), and
    for each new point the index of the nearest original point before it; one set of NumPy
    calls for the whole ink rather than one per stroke (lines have hundreds of strokes)."""
    sizes = np.array([len(s) for s in strokes])
    points = np.concatenate([s[:, :2] for s in strokes]).astype(np.float64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    into = np.concatenate([[0.0], np.linalg.norm(np.diff(points, axis=0), axis=1)])
    into[starts] = 1.0  # a gap between strokes keeps the running arc length strictly apart per stroke
    arc = np.cumsum(into)
    total = arc[starts + sizes - 1] - arc[starts]
    counts = np.where(total > 0, np.maximum(2, np.ceil(total / step).astype(np.int64) + 1), 1)
    counts = np.where(sizes < 2, sizes, counts)
    stroke = np.repeat(np.arange(len(strokes)), counts)
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
    resampled = points[i] + t * (points[after] - points[i])
    cuts = np.cumsum(counts)[:-1]
    return np.split(resampled, cuts), np.split(i - starts[stroke], cuts)


def _deslant(strokes: list[np.ndarray]) -> list[np.ndarray]:
    """Shear so that the median slant of mostly-vertical segments (within 45 degrees) becomes vertical."""
    d = np.concatenate([np.diff(s, axis=0) for s in strokes if len(s) > 1] or [np.zeros((0, 2))])
    vertical = d[np.abs(d[:, 1]) > np.abs(d[:, 0])] if len(d) else d
    if len(vertical) < 3:
        return strokes
    shear = float(np.median(vertical[:, 0] / vertical[:, 1]))
    return [np.stack([s[:, 0] - shear * s[:, 1], s[:, 1]], axis=1) for s in strokes]


def normalize_ink(ink: Ink, config: InkFeatureConfig = InkFeatureConfig(), with_index: bool = False):
    """Strokes translated (left edge, vertical median at 0), scaled to unit writing height and
    resampled every ``config.step``; y still grows downward.  With ``with_index`` also returns,
    per stroke, the original point index each resampled point comes from."""
    raw = [s[:, :2] for s in ink.strokes]
    points = np.concatenate(raw)
    peak = float(np.max(np.abs(points)))
    if peak > 1e150:  # astronomically large coordinates: scale down first so differences cannot overflow
        raw = [s / peak for s in raw]
        points = points / peak
    scale = float(np.max(np.abs(points - points.mean(axis=0)))) or 1.0
    strokes = [(s - points.mean(axis=0)) / scale for s in raw]  # well-conditioned before resampling
    uniform = np.concatenate(_resample_strokes(strokes, 0.01)[0])
    # a flat scribble (all y nearly equal) must not count as microscopic writing: the height is
    # at least 1/MAX_ASPECT of the ink's extent, which bounds the number of resampled points
    extent = float(np.max(np.ptp(uniform, axis=0))) if len(uniform) else 1.0
    height = max(writing_height(uniform, config.height_quantiles), extent / MAX_ASPECT)
    strokes = [s / height for s in strokes]
    if config.slant_correction:
        strokes = _deslant(strokes)
    strokes, sources = _resample_strokes(strokes, config.step)
    allp = np.concatenate(strokes)
    origin = np.array([allp[:, 0].min(), np.median(allp[:, 1])])
    strokes = [s - origin for s in strokes]
    return (strokes, sources) if with_index else strokes


def _stroke_index(sources: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([np.column_stack([np.full(len(src), k), src]) for k, src in enumerate(sources)])


def point_index(ink: Ink, config: InkFeatureConfig = InkFeatureConfig()) -> np.ndarray:
    """``(N, 2)`` (stroke, point) of the original ink for each feature row of :func:`ink_features`."""
    return _stroke_index(normalize_ink(ink, config, with_index=True)[1])


def ink_features(ink: Ink, config: InkFeatureConfig = InkFeatureConfig()) -> np.ndarray:
    """Per-point features ``(N, 7)`` float32: dx, dy, pen-up (1 on the last point of a stroke),
    direction (cos, sin) and curvature (cos, sin of the turn between segments)."""
    return _stroke_features(normalize_ink(ink, config))


def ink_features_and_index(ink: Ink, config: InkFeatureConfig = InkFeatureConfig()) -> tuple[np.ndarray, np.ndarray]:
    """:func:`ink_features` and :func:`point_index` from one normalisation (the costly part)."""
    strokes, sources = normalize_ink(ink, config, with_index=True)
    return _stroke_features(strokes), _stroke_index(sources)


def _stroke_features(strokes: list[np.ndarray]) -> np.ndarray:
    points = np.concatenate(strokes)
    pen_up = np.concatenate([np.r_[np.zeros(len(s) - 1), 1.0] for s in strokes])
    delta = np.diff(points, axis=0, prepend=points[:1])
    length = np.linalg.norm(delta, axis=1, keepdims=True)
    direction = np.where(length > 1e-9, delta / np.maximum(length, 1e-9), 0.0)
    cos_prev = np.vstack([direction[:1], direction[:-1]])
    curv_cos = np.sum(direction * cos_prev, axis=1)
    curv_sin = direction[:, 1] * cos_prev[:, 0] - direction[:, 0] * cos_prev[:, 1]
    features = np.column_stack([delta, pen_up, direction, curv_cos, curv_sin])
    return np.clip(features, -10.0, 10.0).astype(np.float32)
