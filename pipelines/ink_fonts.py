"""The fonts of synthetic ink: which there are, where they are found, how a word is drawn in them.

Three kinds: the Hershey stroke fonts of PyPI ``Hershey-Fonts``, single-line SVG fonts
(``pipelines.svg_fonts``: Inkscape's) and handwriting outline fonts traced to pen strokes
(``pipelines.outline_fonts``: Debian's ``fonts-*`` packages). Each kind has training fonts and
whole fonts held out for validation; ``font_split`` gives those of a ``--fonts`` set.
"""

from __future__ import annotations

import functools

import numpy as np

from pipelines import outline_fonts
from pipelines.svg_fonts import StrokeFont, SvgFont, find_font, font_dirs

TRAIN_FONTS = ("futural", "futuram", "cursive", "rowmand", "rowmans", "timesr", "timesi", "scripts", "timesrb")
HELD_OUT_FONTS = ("scriptc", "rowmant", "timesib")
SVG_TRAIN_FONTS = ("EMSAllure", "EMSElfin", "EMSNixish", "EMSNixishItalic", "EMSOsmotron", "EMSReadability",
                   "EMSReadabilityItalic")
SVG_HELD_OUT_FONTS = ("EMSFelix", "EMSTech")  # whole families held out (Nixish and Readability come in pairs)
# handwriting outline fonts traced to their centre lines (pipelines.outline_fonts; Debian's fonts-breip,
# fonts-dkg-handwriting, fonts-bwht, fonts-humor-sans, fonts-ecolier-court, fonts-comic-neue,
# fonts-kaushanscript, fonts-dancingscript, fonts-kristi, fonts-klee)
OUTLINE_TRAIN_FONTS = ("Breip", "dkg", "dkgIt", "BecauseWeBuild-Regular", "BecauseWeConnect-Regular",
                       "BecauseWeMentor-Regular", "BecauseWeOrganize-Regular", "Humor-Sans", "Ecolier-court",
                       "ComicNeue-Regular", "ComicNeue-Italic", "KaushanScript-Regular")
OUTLINE_HELD_OUT_FONTS = ("DancingScript-Regular", "Kristi", "BecauseWeLearn-Regular", "KleeOne-Regular")
# fonts that draw lowercase letters as capitals: their lines are written, and labelled, in capitals
CAPITALS_ONLY_FONTS = frozenset({"BecauseWeBuild-Regular", "BecauseWeConnect-Regular", "BecauseWeMentor-Regular",
                                 "BecauseWeOrganize-Regular", "BecauseWeLearn-Regular", "Humor-Sans"})
# more handwriting outline fonts for training (Debian's fonts-rufscript, fonts-tlwg-purisa-ttf, fonts-seto,
# fonts-yozvox-yozfont-standard-kana, fonts-mikachan, fonts-nanum-extra, fonts-lobstertwo, fonts-dustin,
# fonts-sil-andika): the Latin letters of Thai, Japanese and Korean handwriting fonts among them; the held-out
# fonts stay the same
HANDWRITING_TRAIN_FONTS = OUTLINE_TRAIN_FONTS + (
    "Rufscript010", "Purisa", "Purisa-Oblique", "setofont", "YOzRS_", "mikachan", "NanumPen", "NanumBrush",
    "LobsterTwo-Regular", "Domestic_Manners", "Andika-Regular", "Andika-Italic")
# and four more (Debian's fonts-havana, fonts-leckerli-one, fonts-lobstertwo, fonts-kiloji): three connected
# scripts, as the held-out Dancing Script and Kristi are, and the print hand of a Japanese font
HANDWRITING2_TRAIN_FONTS = HANDWRITING_TRAIN_FONTS + (
    "Havana-Regular", "LeckerliOne-Regular", "LobsterTwo-Italic", "kiloji")
# and one more connected script (Debian's fonts-lobster: Lobster, Lobster Two's bolder ancestor)
HANDWRITING3_TRAIN_FONTS = HANDWRITING2_TRAIN_FONTS + ("lobster",)
# the (training, held-out) fonts of each part of a font set, in the order a set joins them
_HERSHEY = (TRAIN_FONTS, HELD_OUT_FONTS)
_SVG = (SVG_TRAIN_FONTS, SVG_HELD_OUT_FONTS)
# all: the Hershey and SVG stroke fonts (hershey alone: the corpora of earlier releases, exactly). Each
# generation of handwriting outline fonts gives two more sets: NAME, its training fonts alone, and all+NAME,
# with the stroke fonts; every one holds out OUTLINE_HELD_OUT_FONTS
_OUTLINE_GENERATIONS = {"outline": OUTLINE_TRAIN_FONTS, "handwriting": HANDWRITING_TRAIN_FONTS,
                        "handwriting2": HANDWRITING2_TRAIN_FONTS, "handwriting3": HANDWRITING3_TRAIN_FONTS}
_FONT_SET_PARTS = {"all": (_HERSHEY, _SVG), "hershey": (_HERSHEY,)}
for _name, _train in _OUTLINE_GENERATIONS.items():
    _FONT_SET_PARTS[_name] = ((_train, OUTLINE_HELD_OUT_FONTS),)
    _FONT_SET_PARTS[f"all+{_name}"] = (_HERSHEY, _SVG, (_train, OUTLINE_HELD_OUT_FONTS))
del _name, _train
FONT_SETS = tuple(_FONT_SET_PARTS)


_FONTS: dict = {}


@functools.cache
def hershey_font_names() -> frozenset[str]:
    """The fonts the Hershey-Fonts package ships (``futural``, ``scriptc``, ...)."""
    from HersheyFonts import HersheyFonts

    return frozenset(HersheyFonts().default_font_names)


@functools.cache
def font_kind(name: str) -> str:
    """``hershey`` (a font of the Hershey-Fonts package), ``svg`` (a single-line SVG font: Inkscape's
    ``EMS...`` or one in ``$RECOGNIZER_SVG_FONTS``) or ``outline`` (a TrueType/OpenType font, see
    ``pipelines.outline_fonts``)."""
    if name in hershey_font_names():
        return "hershey"
    if find_font(name) is not None:
        return "svg"
    if outline_fonts.find_font(name) is not None:
        return "outline"
    raise FileNotFoundError(
        f"font {name} not found: neither a Hershey font, nor an SVG font in {', '.join(map(str, font_dirs()))}, "
        f"nor a .ttf/.otf in {', '.join(map(str, outline_fonts.font_dirs()))} (install Debian's inkscape and the "
        "fonts-* packages named in pipelines.ink_fonts, or use --fonts hershey)")


def drawn_text(text: str, font: str) -> str:
    """What a line of ``text`` looks like in ``font``: capitals in a font without lowercase letters."""
    return text.upper() if font in CAPITALS_ONLY_FONTS else text


def load_font(name: str):
    """The font object of ``name`` (loaded once): a Hershey font, an ``SvgFont`` or an ``OutlineFont``."""
    if name not in _FONTS:
        kind = font_kind(name)
        if kind == "svg":
            _FONTS[name] = SvgFont(find_font(name))
        elif kind == "outline":
            _FONTS[name] = outline_fonts.OutlineFont(outline_fonts.find_font(name))
        else:
            from HersheyFonts import HersheyFonts

            font = HersheyFonts()
            font.load_default_font(name)
            font.normalize_rendering(100)
            _FONTS[name] = font
    return _FONTS[name]


def font_group(font: str) -> str:
    """The manifest's group of a font: ``hershey:futural``, ``svg:EMSAllure`` or ``outline:Kristi``."""
    return f"{font_kind(font)}:{font}"


def render_glyphs(word: str, font: str) -> list[list[np.ndarray]]:
    """Strokes of each letter of ``word`` in device coordinates (y down), cap height ~100."""
    face = load_font(font)
    if isinstance(face, StrokeFont):
        return face.render_glyphs(word)
    strokes = iter(face.strokes_for_text(word))
    glyphs = []
    for glyph in face.glyphs_for_text(word):  # the font draws each letter's strokes in turn
        points = [np.array(next(strokes), dtype=np.float64) for _ in glyph.strokes]
        glyphs.append([np.column_stack([p[:, 0], -p[:, 1]]) for p in points if len(p) > 1])
    return glyphs


def render_word(word: str, font: str) -> list[np.ndarray]:
    """Glyph strokes of ``word`` in device coordinates (y down), cap height ~100."""
    return [stroke for glyph in render_glyphs(word, font) for stroke in glyph]


def font_split(fonts: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Training fonts and held-out fonts of the font set ``fonts`` (one of ``FONT_SETS``)."""
    if fonts not in FONT_SETS:
        raise ValueError(f"unknown font set {fonts!r} (one of {', '.join(FONT_SETS)})")
    parts = _FONT_SET_PARTS[fonts]
    return sum((train for train, _ in parts), ()), sum((held for _, held in parts), ())
