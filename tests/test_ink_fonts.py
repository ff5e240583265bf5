from pathlib import Path

import matplotlib
import numpy as np
import pytest

from pipelines.ink_fonts import (HANDWRITING2_TRAIN_FONTS, HANDWRITING3_TRAIN_FONTS, HANDWRITING_TRAIN_FONTS,
                                 HELD_OUT_FONTS, OUTLINE_HELD_OUT_FONTS, OUTLINE_TRAIN_FONTS, SVG_HELD_OUT_FONTS,
                                 SVG_TRAIN_FONTS, TRAIN_FONTS, drawn_text, font_group, font_kind, font_split,
                                 render_glyphs, render_word)
from pipelines.outline_fonts import find_font as find_outline_font
from pipelines.synthesize_ink import INK_ALPHABET


def test_glyphs_are_in_device_coordinates():
    # "l" has an ascender: its top is above the baseline, i.e. has a smaller y on a tablet
    (stroke,) = render_word("l", "futural")
    assert stroke[:, 1].min() < stroke[:, 1].max() and stroke[np.argmin(stroke[:, 1]), 1] < 0


def test_font_kind_comes_from_where_the_font_is_found_not_its_name(tmp_path, monkeypatch):
    monkeypatch.setenv("RECOGNIZER_SVG_FONTS", str(tmp_path / "svg"))
    monkeypatch.setenv("RECOGNIZER_OUTLINE_FONTS", str(Path(matplotlib.get_data_path()) / "fonts" / "ttf"))
    font_kind.cache_clear()
    assert all(font_kind(f) == "hershey" for f in TRAIN_FONTS + HELD_OUT_FONTS)
    assert font_group("scriptc") == "hershey:scriptc" and font_group("DejaVuSans") == "outline:DejaVuSans"
    (tmp_path / "svg").mkdir()
    (tmp_path / "svg" / "DejaVuSans.svg").write_text("<svg/>")  # an SVG font of that name comes first
    font_kind.cache_clear()
    assert font_kind("DejaVuSans") == "svg"
    with pytest.raises(FileNotFoundError, match="font NoSuchHand not found"):
        font_kind("NoSuchHand")
    font_kind.cache_clear()


def test_font_sets_hold_out_whole_fonts_and_outline_fonts_only_when_asked():
    assert font_split("hershey") == (TRAIN_FONTS, HELD_OUT_FONTS)
    assert font_split("all") == (TRAIN_FONTS + SVG_TRAIN_FONTS, HELD_OUT_FONTS + SVG_HELD_OUT_FONTS)
    assert font_split("outline") == (OUTLINE_TRAIN_FONTS, OUTLINE_HELD_OUT_FONTS)
    train, held = font_split("all+outline")
    assert set(train) == set(TRAIN_FONTS + SVG_TRAIN_FONTS + OUTLINE_TRAIN_FONTS) and not set(train) & set(held)
    assert not {f[:5] for f in OUTLINE_TRAIN_FONTS if not f.startswith("BecauseWe")} & \
        {f[:5] for f in OUTLINE_HELD_OUT_FONTS}  # no family on both sides (BecauseWe*: six writers' hands)
    train, held = font_split("all+handwriting")
    assert set(train) == set(TRAIN_FONTS + SVG_TRAIN_FONTS + HANDWRITING_TRAIN_FONTS)
    assert set(train) > set(font_split("all+outline")[0])
    assert held == font_split("all+outline")[1] and not set(train) & set(held)
    assert font_split("handwriting") == (HANDWRITING_TRAIN_FONTS, OUTLINE_HELD_OUT_FONTS)
    assert not {f[:5] for f in HANDWRITING_TRAIN_FONTS if not f.startswith("BecauseWe")} & \
        {f[:5] for f in OUTLINE_HELD_OUT_FONTS}
    for earlier, name, fonts in (("handwriting", "handwriting2", HANDWRITING2_TRAIN_FONTS),
                                 ("handwriting2", "handwriting3", HANDWRITING3_TRAIN_FONTS)):
        train, held = font_split(f"all+{name}")
        assert set(train) > set(font_split(f"all+{earlier}")[0]) and held == font_split(f"all+{earlier}")[1]
        assert font_split(name) == (fonts, OUTLINE_HELD_OUT_FONTS)
        assert not set(train) & set(held)
    with pytest.raises(ValueError, match="unknown font set"):
        font_split("comic")


def test_capitals_only_fonts_write_lines_in_capitals():
    assert drawn_text("Call me at 5 pm.", "Humor-Sans") == "CALL ME AT 5 PM."
    assert drawn_text("Call me at 5 pm.", "Kristi") == "Call me at 5 pm."


@pytest.mark.skipif(not all(find_outline_font(f) for f in HANDWRITING3_TRAIN_FONTS + OUTLINE_HELD_OUT_FONTS),
                    reason="Debian's handwriting fonts (fonts-kristi, fonts-seto, ...) are not installed")
def test_every_handwriting_font_draws_every_character_of_the_ink_alphabet():
    characters = INK_ALPHABET.replace(" ", "")
    for font in HANDWRITING3_TRAIN_FONTS + OUTLINE_HELD_OUT_FONTS:
        glyphs = render_glyphs(characters, font)
        empty = [c for c, strokes in zip(characters, glyphs) if not strokes]
        assert len(glyphs) == len(characters) and not empty, (font, empty)
