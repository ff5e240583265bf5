import numpy as np
import pytest

from pipelines.svg_fonts import BASELINE, CAP_TOP, SvgFont, find_font
from recognizer.vocab import INK_ALPHABET

# a tiny single-line font: H (three strokes), o (one cubic curve), i (stem and dot), a space, A (a closed triangle)
FONT = """<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg"><defs><font id="Tiny" horiz-adv-x="500">
<font-face units-per-em="1000" ascent="800" descent="-200"/>
<glyph unicode=" " horiz-adv-x="300"/>
<glyph unicode="H" horiz-adv-x="600" d="M 100 0 L 100 700 M 500 0 L 500 700 M 100 350 L 500 350"/>
<glyph unicode="o" d="M 100 200 C 100 450 400 450 400 200 C 400 -50 100 -50 100 200"/>
<glyph unicode="i" horiz-adv-x="200" d="M 100 0 L 100 400 M 100 550 L 100 560"/>
<glyph unicode="A" d="M 100 0 L 250 700 L 400 0 Z"/>
</font></defs></svg>"""


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    (tmp_path / "Tiny.svg").write_text(FONT)
    monkeypatch.setenv("RECOGNIZER_SVG_FONTS", str(tmp_path))
    return SvgFont(find_font("Tiny"))


def test_glyphs_are_strokes_in_device_coordinates(tiny):
    h, o, space, i = tiny.render_glyphs("Ho i")
    assert len(h) == 3 and len(o) == 1 and space == [] and len(i) == 2
    points = np.concatenate(h)
    assert np.isclose(points[:, 1].min(), CAP_TOP) and np.isclose(points[:, 1].max(), BASELINE)  # y down
    assert len(o[0]) == 1 + 2 * 7  # the two curves sampled
    assert np.allclose(o[0][0], o[0][-1])  # the closed loop comes back to its start
    # each glyph starts where the previous one's advance ends: H 600, o 500 (the font's default), space 300
    assert np.isclose(o[0][:, 0].min() / tiny.scale, 600 + 100, atol=1) and np.isclose(
        i[0][0, 0] / tiny.scale, 600 + 500 + 300 + 100)
    assert i[1][:, 1].max() < i[0][:, 1].min()  # the dot above the stem


def test_a_closed_path_ends_with_one_straight_line_back_to_its_start(tiny):
    (triangle,), = tiny.render_glyphs("A")
    assert len(triangle) == 4 and np.allclose(triangle[0], triangle[-1])  # Z is a line, not a sampled curve


def test_missing_glyphs_and_bad_files_are_named(tiny, tmp_path):
    assert tiny.missing("Hoax") == {"a", "x"}
    with pytest.raises(ValueError, match="Tiny has no glyph for 'ax'"):
        tiny.render_glyphs("Hoax")
    (tmp_path / "Empty.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    with pytest.raises(ValueError, match="no <font>"):
        SvgFont(tmp_path / "Empty.svg")
    assert find_font("NoSuchFont") is None


@pytest.mark.skipif(find_font("EMSAllure") is None, reason="Inkscape's SVG fonts are not installed")
def test_inkscape_fonts_draw_every_character_of_the_ink_alphabet():
    from pipelines.ink_fonts import SVG_HELD_OUT_FONTS, SVG_TRAIN_FONTS

    for name in SVG_TRAIN_FONTS + SVG_HELD_OUT_FONTS:
        font = SvgFont(find_font(name))
        assert not font.missing(INK_ALPHABET), name
        glyphs = font.render_glyphs("Hxg")
        assert all(glyphs) and np.isclose(np.concatenate(glyphs[0])[:, 1].min(), CAP_TOP)
