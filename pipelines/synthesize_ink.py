"""Synthetic online handwriting: text lines rendered as pen trajectories with stroke fonts.

    python -m pipelines.synthesize_ink --out data/ink --count 20000 --seed 0

Each line is drawn word by word in a font of ``pipelines.ink_fonts`` (Hershey and single-line
SVG stroke fonts, and handwriting outline fonts traced to pen strokes: ``--fonts`` chooses a
set of them, see ``ink_fonts``), then distorted (each letter's own
scale, shear, rotation and offset; slant, rotation, per-word scale and baseline shift, baseline
drift, elastic warp at line and at letter scale, jitter), sampled like a
tablet (pen speed varies, pen-up gaps between strokes) and written as JSON or InkML with
a manifest (``ink_filename,transcript,group``).  Whole fonts are held out for validation.
Coordinates are device-like: y grows downward, units are arbitrary "pixels".
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipelines.data import SPLITS, write_ink_manifest
from pipelines.ink_fonts import FONT_SETS, drawn_text, font_group, font_split, render_glyphs
from recognizer.ink import Ink, write_inkml, write_json
from recognizer.vocab import INK_ALPHABET


@dataclass(frozen=True)
class Distortion:
    """Ranges of the random distortions (uniform in [-x, x] unless said otherwise)."""

    slant: float = 0.35  # shear factor
    rotation: float = 0.05  # radians
    word_scale: float = 0.12  # relative
    word_shift: float = 0.08  # of the line height
    drift: float = 0.15  # baseline drift amplitude, of the line height
    warp: float = 0.04  # elastic warp amplitude, of the line height
    jitter: float = 0.006  # per-point noise, of the line height
    spacing: tuple[float, float] = (0.25, 0.6)  # word gap, of the line height
    point_step: tuple[float, float] = (0.01, 0.05)  # tablet sampling distance, of the line height
    join: float = 0.5  # most of a line's share of pen lifts inside a word left out (strokes joined)
    join_reach: float = 0.4  # only strokes this near are joined: gap, of the line height
    split: float = 0.2  # most of a line's share of strokes lifted once mid-way (split in two)
    # each letter drawn a little differently (a line's writer draws how much: 0 to these)
    glyph_scale: float = 0.15  # relative, x and y apart
    glyph_shear: float = 0.25  # shear factor
    glyph_rotation: float = 0.1  # radians
    glyph_shift: float = 0.05  # vertical, of the line height
    fine_warp: float = 0.025  # letter-scale elastic warp amplitude, of the line height
    # writers differ in stroke order and direction (a line's writer: probabilities from 0 to these)
    reorder: float = 0.3  # a letter's strokes drawn in another order
    reverse: float = 0.3  # a stroke drawn backwards
    delay: float = 0.5  # a dot or short bar (i dot, t cross) written after the rest of the word
    small: float = 0.25  # what counts as short: extent, of the line height


def _rotation(angle: float) -> np.ndarray:
    """The 2-D rotation matrix of ``angle`` radians."""
    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])


def vary_stroke_order(glyphs: list[list[np.ndarray]], rng: np.random.Generator, reorder: float,
                      reverse: float) -> list[list[np.ndarray]]:
    """Each letter's strokes shuffled with probability ``reorder``, each stroke drawn backwards
    with probability ``reverse`` (fonts fix one order; writers do not)."""
    out = []
    for glyph in glyphs:
        if len(glyph) > 1 and rng.random() < reorder:
            glyph = [glyph[i] for i in rng.permutation(len(glyph))]
        out.append([s[::-1] if rng.random() < reverse else s for s in glyph])
    return out


def delay_small_strokes(strokes: list[np.ndarray], rng: np.random.Generator, delay: float,
                        size: float) -> list[np.ndarray]:
    """Strokes smaller than ``size`` (dots, short bars) moved, each with probability ``delay``,
    after the rest of the word, as writers dot i's and cross t's once the word is done."""
    late = [np.ptp(s, axis=0).max() < size and rng.random() < delay for s in strokes]
    if all(late):
        return strokes
    return [s for s, x in zip(strokes, late) if not x] + [s for s, x in zip(strokes, late) if x]


def distort_glyphs(glyphs: list[list[np.ndarray]], rng: np.random.Generator, amount: float,
                   d: Distortion = Distortion(), height: float = 100.0) -> list[np.ndarray]:
    """Each letter scaled, sheared, rotated and shifted on its own (by up to ``amount`` times the
    ranges of ``d``), the letters after it moved so that the gaps between letters stay."""
    out, moved = [], 0.0
    for glyph in glyphs:
        if not glyph:
            continue
        points = np.concatenate(glyph)
        left, right = points[:, 0].min(), points[:, 0].max()
        center = np.array([(left + right) / 2, points[:, 1].mean()])
        sx, sy = 1 + amount * rng.uniform(-d.glyph_scale, d.glyph_scale, 2)
        angle = amount * rng.uniform(-d.glyph_rotation, d.glyph_rotation)
        shear = amount * rng.uniform(-d.glyph_shear, d.glyph_shear)
        matrix = _rotation(angle) @ np.array([[sx, -shear], [0.0, sy]])
        shift = np.array([0.0, amount * rng.uniform(-d.glyph_shift, d.glyph_shift) * height])
        new = [(s - center) @ matrix.T + center + shift for s in glyph]
        new_left = min(s[:, 0].min() for s in new)
        new_right = max(s[:, 0].max() for s in new)
        offset = moved + left - new_left  # keep this letter's left edge where the last one's gap puts it
        out += [s + np.array([offset, 0.0]) for s in new]
        moved = offset + new_right - right
    return out


def _plane_waves(rng: np.random.Generator, wavelength: tuple[float, float], amplitude: float):
    """A smooth random 2-D displacement field: three plane waves per axis."""
    def axis():
        k = 2 * np.pi / rng.uniform(*wavelength, 3)
        theta, phase, amp = rng.uniform(0, np.pi, 3), rng.uniform(0, 2 * np.pi, 3), rng.normal(0, amplitude, 3)
        return lambda x, y: sum(a * np.sin(kk * (np.cos(t) * x + np.sin(t) * y) + p)
                                for a, kk, t, p in zip(amp, k, theta, phase))
    fx, fy = axis(), axis()
    return lambda x, y: (fx(x, y), fy(x, y))


def _smooth_field(rng: np.random.Generator, size: float, amplitude: float):
    """A smooth random 1-D function on [0, size] (sum of a few sinusoids)."""
    freqs = rng.uniform(0.3, 2.0, 3) * 2 * np.pi / max(size, 1.0)
    phases = rng.uniform(0, 2 * np.pi, 3)
    amps = rng.normal(0, amplitude, 3)
    return lambda x: sum(a * np.sin(f * x + p) for a, f, p in zip(amps, freqs, phases))


def rewrite_pen_lifts(strokes: list[np.ndarray], rng: np.random.Generator, join: float, split: float,
                      reach: float = np.inf) -> list:
    """Writers differ in where they lift the pen: join each stroke that starts within ``reach``
    of the previous one's end to it with probability ``join`` (the pen stays down between them)
    and cut each stroke of 4 or more points in two at a random point with probability ``split``."""
    joined = []
    for stroke in strokes:
        if joined and rng.random() < join and np.linalg.norm(stroke[0] - joined[-1][-1]) <= reach:
            joined[-1] = np.concatenate([joined[-1], stroke])
        else:
            joined.append(stroke)
    out = []
    for stroke in joined:
        if len(stroke) >= 4 and rng.random() < split:
            cut = int(rng.integers(2, len(stroke) - 1))
            out += [stroke[:cut], stroke[cut - 1:]]
        else:
            out.append(stroke)
    return out


def render_line(text: str, font: str, rng: np.random.Generator, d: Distortion = Distortion()) -> Ink:
    """``text`` as distorted, tablet-sampled pen strokes with timestamps (ms)."""
    height = 100.0
    strokes, cursor = [], 0.0
    join, split = rng.uniform(0, d.join), rng.uniform(0, d.split)  # this writer's habits
    sloppiness = rng.uniform(0, 1)
    reorder, reverse, delay = rng.uniform(0, d.reorder), rng.uniform(0, d.reverse), rng.uniform(0, d.delay)
    for word in text.split(" "):
        glyphs = vary_stroke_order(render_glyphs(word, font), rng, reorder, reverse) if word else []
        glyphs = distort_glyphs(glyphs, rng, sloppiness, d, height)
        glyphs = delay_small_strokes(glyphs, rng, delay, d.small * height)
        glyphs = rewrite_pen_lifts(glyphs, rng, join, split, d.join_reach * height)
        if glyphs:
            scale = 1 + rng.uniform(-d.word_scale, d.word_scale)
            shift = rng.uniform(-d.word_shift, d.word_shift) * height
            left = min(g[:, 0].min() for g in glyphs)
            for g in glyphs:
                strokes.append(np.column_stack([(g[:, 0] - left) * scale + cursor, g[:, 1] * scale + shift]))
            cursor = max(s[:, 0].max() for s in strokes)
        cursor += rng.uniform(*d.spacing) * height
    if not strokes:
        raise ValueError(f"nothing to draw for {text!r} in font {font}")
    width = cursor
    slant, angle = rng.uniform(-d.slant, d.slant), rng.uniform(-d.rotation, d.rotation)
    drift = _smooth_field(rng, width, d.drift * height)
    warp_x, warp_y = _smooth_field(rng, height, d.warp * height), _smooth_field(rng, width, d.warp * height)
    fine = _plane_waves(rng, (0.3 * height, 0.9 * height), sloppiness * d.fine_warp * height)
    rotation = _rotation(angle)
    out, clock = [], 0.0
    speed = rng.uniform(0.5, 2.0)  # height units per ms... scaled below
    step = rng.uniform(*d.point_step) * height
    for s in strokes:
        dx, dy = fine(s[:, 0], s[:, 1])
        x, y = s[:, 0] + dx, s[:, 1] + dy
        x = x - slant * y + warp_x(y)
        y = y + drift(x) + warp_y(x)
        p = np.column_stack([x, y]) @ rotation.T
        seg = np.linalg.norm(np.diff(p, axis=0), axis=1)
        arc = np.concatenate([[0.0], np.cumsum(seg)])
        n = max(2, int(arc[-1] / step) + 1)
        s_new = np.linspace(0, arc[-1], n)
        p = np.column_stack([np.interp(s_new, arc, p[:, 0]), np.interp(s_new, arc, p[:, 1])])
        p += rng.normal(0, d.jitter * height, p.shape)
        local_speed = speed * rng.uniform(0.7, 1.3)
        t = clock + np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(p, axis=0), axis=1))]) / local_speed
        out.append(np.column_stack([p, np.round(t)]))
        clock = t[-1] + rng.uniform(30, 300)  # pen-up gap
    offset = rng.uniform(0, 2000, 2)
    return Ink([np.column_stack([o[:, :2] + offset, o[:, 2]]) for o in out], text, {"font": font})


def _keep_line(text: str) -> bool:
    return all(c in INK_ALPHABET for c in text) and 1 <= len(text.split()) <= 8 and len(text) <= 60


def ink_texts(count: int, seed: int, new_texts: int = 0) -> list[str]:
    """Text lines of 1-8 words with case, digits and punctuation, from the fortunes corpus.

    ``new_texts`` more lines follow the ``count`` of them: lines that ``ink_texts(count, seed)``
    does not hold, while its ``count`` lines stay the same."""
    from pipelines.text_corpus import fortune_sentences

    rng = random.Random(seed)
    lines = set()
    for sentence in fortune_sentences():
        words = sentence.replace("\u2019", "'").split()
        for start in range(0, len(words), 8):
            chunk = " ".join(words[start:start + rng.randint(1, 8)])
            if _keep_line(chunk):
                lines.add(chunk)
    lines = sorted(lines)
    rng.shuffle(lines)
    units = ["items", "km", "Main St.", "pm", "USD"]
    numbers = [f"{rng.randint(0, 9999)} {rng.choice(units)}" for _ in range(count // 20)]
    used = max(0, count - len(numbers))
    texts = lines[:used] + numbers
    rng.shuffle(texts)  # numbers in every split, not only in the last one
    unused = lines[used:used + new_texts]
    if len(unused) < new_texts:
        raise ValueError(f"only {len(lines) - used} lines are left for new texts, not {new_texts}")
    return texts[:count] + unused


def build_ink_corpus(out: Path, count: int, valid_count: int, seed: int, fmt: str = "json",
                     render_seed: int | None = None, only: tuple[str, ...] = SPLITS, fonts: str = "all",
                     new_texts: int = 0) -> dict:
    """Write train / valid_seen / valid_heldout splits; returns manifest paths.

    ``seed`` chooses the texts and their splits; ``render_seed`` (default: ``seed``) the fonts
    and distortions.  The same ``seed`` with another ``render_seed`` writes the same lines in
    new hands: more training ink without new texts, so nothing leaks into validation.
    Each split draws from its own random stream, so ``only`` (some of the splits) writes the
    same files as a full run: the validation sets in a minute, without the training set.
    ``fonts`` is one of ``FONT_SETS`` (described in ``pipelines.ink_fonts``).  A line in
    a font of ``CAPITALS_ONLY_FONTS`` is written and labelled in capitals.  ``new_texts`` adds that many lines
    to the training split that no split of ``count`` and ``seed`` holds, the other lines and the
    validation splits unchanged: new text for a model trained on the earlier corpora."""
    texts = ink_texts(count + 2 * valid_count, seed, new_texts)
    train_fonts, held_fonts = font_split(fonts)
    end = count + 2 * valid_count
    splits = {"train": (texts[:count] + texts[end:], train_fonts),
              "valid_seen": (texts[count:count + valid_count], train_fonts),
              "valid_heldout": (texts[count + valid_count:end], held_fonts)}
    writer = write_json if fmt == "json" else write_inkml
    manifests = {}
    for name, (split_texts, fonts) in splits.items():
        if name not in only:
            continue
        rng = np.random.default_rng([seed if render_seed is None else render_seed, SPLITS.index(name)])
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        rows = []
        for i, text in enumerate(split_texts):
            font = fonts[rng.integers(len(fonts))]
            text = drawn_text(text, font)
            path = folder / f"{i:06d}.{fmt}"
            writer(render_line(text, font, rng), path)
            rows.append((path.resolve(), text, font_group(font)))
            if (i + 1) % 1000 == 0 or i + 1 == len(split_texts):
                print(f"{name}: {i + 1}/{len(split_texts)}", file=sys.stderr, flush=True)
        manifests[name] = write_ink_manifest(out / f"{name}.csv", rows)
    return manifests


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("data/ink"))
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--valid-count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=("json", "inkml"), default="json")
    parser.add_argument("--render-seed", type=int, help="fonts and distortions (default: --seed); the texts "
                                                        "of --seed drawn anew")
    parser.add_argument("--splits", nargs="+", choices=SPLITS, default=SPLITS,
                        help="write only these splits (the same files as a full run)")
    parser.add_argument("--fonts", choices=FONT_SETS, default="all",
                        help="all: Hershey and SVG stroke fonts; hershey: the Hershey fonts alone (earlier "
                             "releases' corpora); outline: handwriting outline fonts traced to pen strokes; "
                             "all+outline: all three; handwriting, all+handwriting: the same with twelve "
                             "more handwriting fonts for training; handwriting2, all+handwriting2: with four "
                             "more (three connected scripts); handwriting3, all+handwriting3: and Lobster")
    parser.add_argument("--new-texts", type=int, default=0,
                        help="add this many training lines that no split of --count and --seed holds "
                             "(the validation splits stay the same)")
    args = parser.parse_args(argv)
    try:
        splits = build_ink_corpus(args.out, args.count, args.valid_count, args.seed, args.format, args.render_seed,
                                  tuple(args.splits), args.fonts, args.new_texts)
    except (FileNotFoundError, ValueError) as error:
        print(f"synthesize_ink: {error}", file=sys.stderr)
        return 1
    for name, path in splits.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
