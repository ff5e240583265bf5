import numpy as np
import pytest

from recognizer.ink import Ink
from recognizer.ink_features import FEATURE_NAMES, MAX_ASPECT, InkFeatureConfig, ink_features, normalize_ink


def handwriting(seed=0):
    """A few wavy strokes, like a short handwritten word."""
    rng = np.random.default_rng(seed)
    strokes = []
    for k in range(4):
        t = np.linspace(0, 1, 30)
        x = k * 1.2 + t + 0.05 * rng.normal(size=t.size)
        y = np.sin(2 * np.pi * t) * (1.5 if k == 2 else 0.5)
        strokes.append(np.stack([x, y, t + k], axis=1))
    return Ink(strokes)


@pytest.mark.parametrize("scale,offset", [(1.0, (0, 0)), (37.5, (1000, -250)), (0.01, (5e5, 7e5))])
def test_features_invariant_to_translation_and_scale(scale, offset):
    base = ink_features(handwriting())
    ink = handwriting()
    moved = Ink([np.column_stack([s[:, :2] * scale + offset, s[:, 2]]) for s in ink.strokes])
    assert np.allclose(ink_features(moved), base, atol=1e-4)


def test_feature_layout_and_pen_ups():
    features = ink_features(handwriting())
    assert features.shape[1] == len(FEATURE_NAMES) == InkFeatureConfig().dim
    assert features.dtype == np.float32 and np.isfinite(features).all()
    assert features[:, 2].sum() == 4 and features[-1, 2] == 1


def test_normalised_height_and_downward_y():
    strokes = normalize_ink(handwriting())
    points = np.concatenate(strokes)
    lo, hi = np.quantile(points[:, 1], [0.1, 0.9])
    assert 0.7 < hi - lo < 1.5 and points[:, 0].min() == pytest.approx(0.0)
    # a stroke drawn downward on the device keeps increasing y after normalisation
    down = normalize_ink(Ink([np.array([[0, 0], [0, 10.0]]), np.array([[5, 0], [6, 2.0]])]))
    assert down[0][-1, 1] > down[0][0, 1]


@pytest.mark.parametrize("strokes", [[np.array([[3.0, 4.0]])], [np.array([[1.0, 1.0], [1.0, 1.0]])],
                                     [np.array([[0.0, 0.0], [1e9, 1e9]])]])
def test_degenerate_ink_gives_finite_features(strokes):
    features = ink_features(Ink(strokes))
    assert len(features) >= 1 and np.isfinite(features).all()


def test_slant_correction_makes_slanted_strokes_upright():
    slanted = Ink([np.array([[0.0, 0.0], [0.5, -1.0]]), np.array([[1.0, 0.0], [1.5, -1.0]]),
                   np.array([[2.0, 0.0], [2.5, -1.0]])])
    strokes = normalize_ink(slanted, InkFeatureConfig(slant_correction=True))
    assert all(abs(s[-1, 0] - s[0, 0]) < 1e-6 for s in strokes)


def test_config_round_trip():
    config = InkFeatureConfig(step=0.05, slant_correction=True)
    assert InkFeatureConfig.from_dict(config.to_dict()) == config


def test_point_index_maps_rows_to_original_points():
    from recognizer.ink_features import point_index

    ink = handwriting()
    index = point_index(ink)
    assert len(index) == len(ink_features(ink))
    assert index[0].tolist() == [0, 0] and index[-1].tolist() == [3, 29]
    assert np.all(np.diff(index[:, 0]) >= 0)
    for k, stroke in enumerate(ink.strokes):
        assert np.all(np.diff(index[index[:, 0] == k, 1]) >= 0)
        assert index[index[:, 0] == k, 1].max() < len(stroke)



def test_features_and_index_come_together_from_one_normalisation():
    from recognizer.ink_features import ink_features_and_index, point_index

    ink = handwriting()
    features, index = ink_features_and_index(ink)
    assert np.array_equal(features, ink_features(ink)) and np.array_equal(index, point_index(ink))


def _resample_one(stroke, step):
    """The plain per-stroke reference: np.interp along the arc length."""
    if len(stroke) < 2:
        return stroke.copy(), np.zeros(len(stroke), dtype=np.int64)
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))])
    if arc[-1] <= 0:
        return stroke[:1].copy(), np.zeros(1, dtype=np.int64)
    s = np.linspace(0.0, arc[-1], max(2, int(np.ceil(arc[-1] / step)) + 1))
    source = np.clip(np.searchsorted(arc, s, side="right") - 1, 0, len(stroke) - 1)
    return np.stack([np.interp(s, arc, stroke[:, 0]), np.interp(s, arc, stroke[:, 1])], axis=1), source


def test_all_strokes_at_once_equal_one_by_one():
    from recognizer.ink_features import _resample

    rng = np.random.default_rng(0)
    for _ in range(200):
        strokes = [rng.normal(size=(int(rng.integers(1, 12)), 2)) * rng.uniform(0.01, 5)
                   for _ in range(int(rng.integers(1, 8)))]
        if rng.random() < 0.3:
            strokes[0][:] = strokes[0][0]  # a dot drawn as several identical points
        step = rng.uniform(0.05, 1)
        points, counts, sources = _resample(np.concatenate(strokes), np.array([len(s) for s in strokes]), step)
        cuts = np.cumsum(counts)[:-1]
        assert len(counts) == len(strokes)
        for stroke, p, src in zip(strokes, np.split(points, cuts), np.split(sources, cuts)):
            want_p, want_src = _resample_one(stroke, step)
            np.testing.assert_allclose(p, want_p, atol=1e-9)
            assert np.array_equal(src, want_src)

def test_flat_scribble_does_not_explode_into_millions_of_points():
    # found by hypothesis: a nearly horizontal line used to be measured as writing 1e-5 high
    ink = Ink([np.array([[0.0, -1e-5, 0.0], [16959.0, 0.0, 1.0]])], "")
    features = ink_features(ink)
    assert np.all(np.isfinite(features)) and len(features) <= 2 * MAX_ASPECT / InkFeatureConfig().step + 2
