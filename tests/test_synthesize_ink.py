import csv

import numpy as np
import pytest

from pipelines.ink_fonts import (CAPITALS_ONLY_FONTS, HELD_OUT_FONTS, OUTLINE_HELD_OUT_FONTS, OUTLINE_TRAIN_FONTS,
                                 SVG_HELD_OUT_FONTS, SVG_TRAIN_FONTS, TRAIN_FONTS, render_glyphs, render_word)
from pipelines.outline_fonts import find_font as find_outline_font
from pipelines.synthesize_ink import (build_ink_corpus, delay_small_strokes, distort_glyphs, ink_texts, render_line,
                                      rewrite_pen_lifts, vary_stroke_order)
from recognizer.ink import load_ink


def test_each_letter_is_distorted_on_its_own_and_keeps_its_place():
    glyphs = render_glyphs("minimum", "futural")
    assert len(glyphs) == 7 and sum(len(g) for g in glyphs) == len(render_word("minimum", "futural"))
    same = distort_glyphs(glyphs, np.random.default_rng(0), amount=0.0)
    assert all(np.allclose(a, b) for a, b in zip(same, render_word("minimum", "futural")))
    plain = [np.concatenate(g) for g in glyphs]
    font_gaps = [b[:, 0].min() - a[:, 0].max() for a, b in zip(plain, plain[1:])]
    rng = np.random.default_rng(1)
    for _ in range(10):
        drawn = distort_glyphs(glyphs, rng, amount=1.0)
        assert not all(np.allclose(a, b) for a, b in zip(drawn, same))
        ends = np.cumsum([len(g) for g in glyphs])
        letters = [np.concatenate(drawn[a:b]) for a, b in zip([0, *ends[:-1]], ends)]
        lefts, rights = [x[:, 0].min() for x in letters], [x[:, 0].max() for x in letters]
        assert np.all(np.diff(lefts) > 0)  # letters stay in order
        gaps = np.array(lefts[1:]) - np.array(rights[:-1])
        assert np.allclose(gaps, font_gaps)  # and keep the font's spacing


def test_stroke_order_and_direction_vary_per_letter_without_losing_strokes():
    glyphs = render_glyphs("xkE", "timesr")
    rng = np.random.default_rng(0)
    assert vary_stroke_order(glyphs, rng, reorder=0.0, reverse=0.0) == glyphs
    varied = vary_stroke_order(glyphs, rng, reorder=1.0, reverse=1.0)
    for before, after in zip(glyphs, varied):  # every letter still drawn by its own strokes, each backwards
        assert sorted(map(bytes, before)) == sorted(bytes(np.ascontiguousarray(s[::-1])) for s in after)
    orders = {tuple(bytes(s) for s in vary_stroke_order(glyphs, rng, 1.0, 0.0)[2]) for _ in range(10)}
    assert len(orders) > 1  # E's four strokes come in more than one order


def test_dots_and_bars_may_come_after_the_word():
    stem, dot, word = np.array([[0.0, 0], [0, 60]]), np.array([[0.0, -20], [1, -19]]), np.array([[5.0, 0], [90, 50]])
    rng = np.random.default_rng(0)
    late = delay_small_strokes([stem, dot, word], rng, delay=1.0, size=25)
    assert [s is x for s, x in zip(late, [stem, word, dot])] == [True, True, True]
    assert delay_small_strokes([stem, dot, word], rng, delay=0.0, size=25) == [stem, dot, word]
    only_dots = [dot, dot + 5]
    assert delay_small_strokes(only_dots, rng, delay=1.0, size=25) == only_dots


def test_render_is_seeded_and_timed():
    a = render_line("Hello, World 42", "cursive", np.random.default_rng(3))
    b = render_line("Hello, World 42", "cursive", np.random.default_rng(3))
    assert all(np.array_equal(x, y) for x, y in zip(a.strokes, b.strokes))
    times = np.concatenate([s[:, 2] for s in a.strokes])
    assert np.all(np.diff(times) >= 0) and a.text == "Hello, World 42"


def test_pen_lifts_are_joined_and_split_without_losing_points():
    strokes = [np.arange(10, dtype=float).reshape(5, 2) + 100 * i for i in range(4)]
    rng = np.random.default_rng(0)
    assert len(rewrite_pen_lifts(strokes, rng, join=1.0, split=0.0)) == 1
    assert len(rewrite_pen_lifts(strokes, rng, join=0.0, split=1.0)) == 8
    assert len(rewrite_pen_lifts(strokes, rng, join=1.0, split=0.0, reach=100.0)) == 4  # (92, 92) apart: too far
    near = [s - np.array([92.0 * i, 92.0 * i]) for i, s in enumerate(strokes)]  # each starts where the last ends
    assert len(rewrite_pen_lifts(near, rng, join=1.0, split=0.0, reach=1.0)) == 1
    for _ in range(20):
        out = rewrite_pen_lifts(strokes, rng, join=0.5, split=0.5)
        assert all(len(s) >= 2 for s in out)
        # every original point is drawn, in order (a split repeats its cut point once)
        drawn = np.concatenate(out)
        kept = [p for i, p in enumerate(drawn) if i == 0 or not np.array_equal(p, drawn[i - 1])]
        assert np.array_equal(np.array(kept), np.concatenate(strokes))


def test_fonts_are_split_and_texts_are_lines():
    assert not set(TRAIN_FONTS) & set(HELD_OUT_FONTS)
    texts = ink_texts(100, seed=0)
    assert len(texts) == 100 and all(1 <= len(t.split()) <= 8 for t in texts)
    assert any(c.isupper() for t in texts for c in t) and any(c.isdigit() for t in texts for c in t)
    last_tenth = ink_texts(1000, seed=0)[-100:]  # a validation split is not made of numbers alone
    assert sum(t[0].isalpha() for t in last_tenth) > 50


def test_corpus_files_load_back(tmp_path):
    manifests = build_ink_corpus(tmp_path, count=3, valid_count=2, seed=1, fmt="inkml")
    with manifests["valid_heldout"].open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2 and all(r["group"].split(":")[1] in HELD_OUT_FONTS + SVG_HELD_OUT_FONTS for r in rows)
    ink = load_ink(rows[0]["ink_filename"])
    assert ink.text == rows[0]["transcript"] and ink.num_points > 10


def test_render_seed_draws_the_same_lines_anew(tmp_path):
    first = build_ink_corpus(tmp_path / "a", count=4, valid_count=1, seed=3)
    again = build_ink_corpus(tmp_path / "b", count=4, valid_count=1, seed=3, render_seed=9)
    for split in first:
        a, b = (list(csv.DictReader(m[split].open())) for m in (first, again))
        assert [r["transcript"] for r in a] == [r["transcript"] for r in b]  # same texts, same splits
    a, b = (load_ink(list(csv.DictReader(m["train"].open()))[0]["ink_filename"]) for m in (first, again))
    assert not (a.num_points == b.num_points and np.allclose(a.strokes[0], b.strokes[0]))  # new hand


def test_new_texts_add_training_lines_no_split_holds(tmp_path):
    assert ink_texts(40, seed=2, new_texts=10)[:40] == ink_texts(40, seed=2)
    assert not set(ink_texts(40, seed=2, new_texts=10)[40:]) & set(ink_texts(40, seed=2))
    with pytest.raises(ValueError, match="lines are left for new texts"):
        ink_texts(40, seed=2, new_texts=10**6)
    plain = build_ink_corpus(tmp_path / "a", count=4, valid_count=1, seed=3, only=("train", "valid_heldout"))
    more = build_ink_corpus(tmp_path / "b", count=4, valid_count=1, seed=3, only=("train", "valid_heldout"),
                            new_texts=3)
    texts = {(name, m): [r["transcript"] for r in csv.DictReader(path.open())]
             for m, manifests in (("plain", plain), ("more", more)) for name, path in manifests.items()}
    assert texts["valid_heldout", "more"] == texts["valid_heldout", "plain"]
    assert texts["train", "more"][:4] == texts["train", "plain"] and len(texts["train", "more"]) == 7
    assert not set(texts["train", "more"][4:]) & set(ink_texts(4 + 2, seed=3))


def test_validation_splits_alone_are_the_files_of_a_full_run(tmp_path):
    full = build_ink_corpus(tmp_path / "full", count=4, valid_count=2, seed=3)
    alone = build_ink_corpus(tmp_path / "alone", count=4, valid_count=2, seed=3, only=("valid_heldout",))
    assert set(alone) == {"valid_heldout"} and not (tmp_path / "alone" / "train").exists()
    a, b = (list(csv.DictReader(m["valid_heldout"].open())) for m in (full, alone))
    assert [(r["transcript"], r["group"]) for r in a] == [(r["transcript"], r["group"]) for r in b]
    for x, y in zip(a, b):
        assert [s.tolist() for s in load_ink(x["ink_filename"]).strokes] == \
            [s.tolist() for s in load_ink(y["ink_filename"]).strokes]


def test_hershey_fonts_alone_draw_the_fonts_of_earlier_releases(tmp_path):
    hershey = build_ink_corpus(tmp_path / "h", count=6, valid_count=2, seed=3, fonts="hershey")
    groups = {split: [r["group"] for r in csv.DictReader(path.open())] for split, path in hershey.items()}
    assert groups == {  # what the Hershey-only release (f834f84) drew for this seed
        "train": ["hershey:scripts", "hershey:futural", "hershey:rowmans", "hershey:scripts", "hershey:rowmans",
                  "hershey:rowmand"],
        "valid_seen": ["hershey:timesrb", "hershey:timesrb"],
        "valid_heldout": ["hershey:timesib", "hershey:rowmant"]}


def test_all_fonts_hold_out_whole_svg_font_families(tmp_path):
    manifests = build_ink_corpus(tmp_path, count=40, valid_count=6, seed=3, only=("train", "valid_heldout"))
    train = {r["group"] for r in csv.DictReader(manifests["train"].open())}
    held = {r["group"] for r in csv.DictReader(manifests["valid_heldout"].open())}
    assert {g for g in train if g.startswith("svg:")} and not train & held
    assert {g.split(":")[1] for g in train} <= set(TRAIN_FONTS + SVG_TRAIN_FONTS)
    assert not {f[:6] for f in SVG_TRAIN_FONTS} & {f[:6] for f in SVG_HELD_OUT_FONTS}  # no family on both sides


@pytest.mark.skipif(not all(find_outline_font(f) for f in OUTLINE_TRAIN_FONTS + OUTLINE_HELD_OUT_FONTS),
                    reason="Debian's handwriting fonts (fonts-kristi, fonts-bwht, ...) are not installed")
def test_outline_fonts_write_lines_and_capitals_only_fonts_label_them_in_capitals(tmp_path):
    manifests = build_ink_corpus(tmp_path, count=40, valid_count=8, seed=3, fonts="outline")
    rows = [r for path in manifests.values() for r in csv.DictReader(path.open())]
    assert {r["group"].split(":")[0] for r in rows} == {"outline"}
    capitals = [r for r in rows if r["group"].split(":")[1] in CAPITALS_ONLY_FONTS]
    assert capitals and all(r["transcript"] == r["transcript"].upper() for r in capitals)
    assert any(r["transcript"] != r["transcript"].upper() for r in rows)
    for row in rows[:5]:
        ink = load_ink(row["ink_filename"])
        assert ink.text == row["transcript"] and len(ink.strokes) >= len(ink.text.split())
