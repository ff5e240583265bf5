from pathlib import Path

import matplotlib
import numpy as np
import pytest

from pipelines.outline_fonts import OutlineFont, find_font, glyph_strokes
from pipelines.svg_fonts import BASELINE, CAP_TOP

MATPLOTLIB_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@pytest.fixture
def dejavu(monkeypatch):
    monkeypatch.setenv("RECOGNIZER_OUTLINE_FONTS", str(MATPLOTLIB_FONTS))
    return OutlineFont(find_font("DejaVuSans"))


def mask(shape=(60, 100)) -> np.ndarray:
    return np.zeros(shape, dtype=bool)


def test_a_thick_bar_is_one_stroke_along_its_centre_line():
    bar = mask()
    bar[25:36, 10:90] = True  # 11 pixels thick, rows 25-35: centre row 30
    (stroke,) = glyph_strokes(bar)
    assert np.allclose(stroke[:, 1], 30, atol=1.5)  # (x, y) = (column, row)
    assert stroke[0, 0] < 20 and stroke[-1, 0] > 80  # left to right, end to end but for the thinning


def test_a_ring_is_one_closed_stroke():
    rows, cols = np.mgrid[:60, :100]
    radius = np.hypot(rows - 30, cols - 50)
    (stroke,) = glyph_strokes((radius > 15) & (radius < 22))
    assert np.allclose(np.hypot(stroke[:, 1] - 30, stroke[:, 0] - 50), 18.5, atol=2)
    assert np.hypot(*(stroke[0] - stroke[-1])) < 3


def test_at_a_crossing_the_pen_goes_straight_on_and_spurs_are_pruned():
    plus = mask((100, 100))
    plus[45:56, 10:90] = True
    plus[10:90, 45:56] = True
    strokes = glyph_strokes(plus)
    assert len(strokes) == 2  # two bars, no stubs from the corners of the crossing
    for s in strokes:
        extent = s.max(axis=0) - s.min(axis=0)
        assert extent.max() > 60 and extent.min() < 4  # each one straight across


def test_a_small_dot_is_a_tiny_stroke_of_its_own():
    dots = mask()
    dots[28:31, 48:51] = True
    dots[5:50, 10:14] = True
    strokes = glyph_strokes(dots)
    assert len(strokes) == 2 and min(np.ptp(s, axis=0).max() for s in strokes) <= 2


def test_an_empty_glyph_has_no_strokes():
    assert glyph_strokes(mask()) == []


def test_glyphs_are_pen_strokes_in_device_coordinates(dejavu):
    (h, i) = dejavu.render_glyphs("Hi")
    assert len(h) == 2 or len(h) == 3  # two stems and the bar (a stem may run on into the bar)
    assert len(i) == 2  # stem and dot
    points = np.concatenate(h)
    stem = dejavu.face.getbbox("H", anchor="ls")[2] * dejavu.scale * 0.12  # about half a stem width
    assert abs(points[:, 1].min() - CAP_TOP) < stem and abs(points[:, 1].max() - BASELINE) < stem  # y down
    assert np.concatenate(i)[:, 0].min() > points[:, 0].max()  # the next letter to the right
    dot = min(i, key=lambda s: s[:, 1].mean())
    assert dot[:, 1].max() < np.concatenate(i)[:, 1].max() - 20  # above the stem


def test_missing_glyphs_and_unreadable_files_are_clear_errors(dejavu, tmp_path):
    assert dejavu.missing("Hi\u4e2d") == {"\u4e2d"}
    with pytest.raises(ValueError, match="no glyph"):
        dejavu.render_glyphs("\u4e2d")
    bad = tmp_path / "Broken.ttf"
    bad.write_bytes(b"not a font")
    with pytest.raises(ValueError, match="not a readable"):
        OutlineFont(bad)
    assert find_font("NoSuchFontAnywhere") is None


def test_fonts_are_found_in_the_folders_of_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("RECOGNIZER_OUTLINE_FONTS", str(tmp_path))
    (tmp_path / "sub").mkdir()
    target = tmp_path / "sub" / "MyHand.ttf"
    target.write_bytes((MATPLOTLIB_FONTS / "DejaVuSans.ttf").read_bytes())
    assert find_font("MyHand") == target
