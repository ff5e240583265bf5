"""CTC decoding in NumPy, independent of the runtime that produced the logits.

Greedy (best path), prefix beam search and closed-set phrase decoding (the most probable of
a list of allowed phrases, e.g. voice commands).  All return the label sequence with the frame
at which each label was emitted, from which :func:`words_from_alignment` derives word
start/end times and a confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recognizer.vocab import BLANK_INDEX


def log_softmax(logits: np.ndarray) -> np.ndarray:
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@dataclass(frozen=True)
class Alignment:
    """Decoded labels, the frame each was emitted at, and its log-probability there.

    ``end_frames`` holds the last frame of each label's run of repeats when the decoder
    knows it (greedy); otherwise it is empty and a label is taken to last one frame.
    """

    labels: tuple[int, ...]
    frames: tuple[int, ...]
    log_probs: tuple[float, ...]
    end_frames: tuple[int, ...] = ()

    def end_frame(self, i: int) -> int:
        return self.end_frames[i] if self.end_frames else self.frames[i]


@dataclass(frozen=True)
class Word:
    word: str
    start: float  # seconds (or, for ink, the first output frame scaled by frame_seconds)
    end: float
    confidence: float
    first_frame: int
    last_frame: int


def greedy_decode(logits: np.ndarray, blank: int = BLANK_INDEX) -> Alignment:
    """Best path: argmax per frame, merge repeats, drop blanks."""
    logp = log_softmax(logits)
    best = logp.argmax(axis=-1)
    labels, frames, scores, ends = [], [], [], []
    previous = blank
    for t, k in enumerate(best.tolist()):
        if k != blank and k != previous:
            labels.append(k)
            frames.append(t)
            scores.append(float(logp[t, k]))
            ends.append(t)
        elif k != blank:
            ends[-1] = t  # the same label repeated: its run goes on
        previous = k
    return Alignment(tuple(labels), tuple(frames), tuple(scores), tuple(ends))


def _logsumexp(a: float, b: float) -> float:
    if a == -np.inf:
        return b
    if b == -np.inf:
        return a
    m = max(a, b)
    return m + np.log1p(np.exp(-abs(a - b)))


def beam_decode(logits: np.ndarray, beam_width: int = 16, blank: int = BLANK_INDEX,
                prune_log_prob: float = -8.0, scorer=None) -> Alignment:
    """CTC prefix beam search.

    At each frame only labels with log-probability >= ``prune_log_prob`` extend the beams (-8
    decodes the bundled models' validation sets to the same text as -12, three times faster).

    ``scorer``, when given, is called as ``scorer(prefix_labels, new_label)`` and returns
    a log-score added when ``new_label`` extends the prefix (e.g. a language model bonus);
    its optional ``finish(prefix_labels)`` scores the end of each final hypothesis.
    """
    logp = log_softmax(logits)
    steps = logp.shape[0]
    # prefix -> [log p ending in blank, log p ending in non-blank, emission frames, emission log-probs]
    beams = {(): [0.0, -np.inf, (), ()]}
    for t in range(steps):
        row = logp[t]
        candidates = np.flatnonzero(row >= prune_log_prob).tolist() or [int(row.argmax())]
        if candidates == [blank]:  # every beam just ends in a blank: same order, nothing to prune
            p = row[blank]
            beams = {prefix: [_logsumexp(pb, pnb) + p, -np.inf, frames, scores]
                     for prefix, (pb, pnb, frames, scores) in beams.items()}
            continue
        nxt: dict = {}

        def entry(prefix, frames, scores):
            if prefix not in nxt:
                nxt[prefix] = [-np.inf, -np.inf, frames, scores]
            return nxt[prefix]

        for prefix, (pb, pnb, frames, scores) in beams.items():
            total = _logsumexp(pb, pnb)
            for k in candidates:
                p = row[k]
                if k == blank:
                    e = entry(prefix, frames, scores)
                    e[0] = _logsumexp(e[0], total + p)
                    continue
                last = prefix[-1] if prefix else None
                new_prefix = prefix + (k,)
                bonus = scorer(prefix, k) if scorer else 0.0
                e = entry(new_prefix, frames + (t,), scores + (float(p),))
                if k == last:
                    e[1] = _logsumexp(e[1], pb + p + bonus)  # repeat needs a blank in between
                    same = entry(prefix, frames, scores)
                    same[1] = _logsumexp(same[1], pnb + p)  # collapse into the same label
                else:
                    e[1] = _logsumexp(e[1], total + p + bonus)
        beams = dict(sorted(nxt.items(), key=lambda kv: -_logsumexp(kv[1][0], kv[1][1]))[:beam_width])
    finish = getattr(scorer, "finish", None)

    def final_score(item):
        prefix, (pb, pnb, _, _) = item
        return _logsumexp(pb, pnb) + (finish(prefix) if finish else 0.0)

    best_prefix, (_, _, frames, scores) = max(beams.items(), key=final_score)
    return Alignment(tuple(best_prefix), tuple(frames), tuple(scores))


def words_from_alignment(alignment: Alignment, alphabet: str, frame_seconds: float,
                         separator: str = " ", duration: float | None = None) -> list[Word]:
    """Split an alignment into words at ``separator`` and time them.

    A word starts at the frame of its first character and ends one frame after the last frame
    of its last character (never after ``duration``); times are rounded to milliseconds.  Its
    confidence is the geometric mean of its characters' emission probabilities.
    """
    limit = float("inf") if duration is None else duration
    words: list[Word] = []
    chars: list[tuple[str, int, float, int]] = []

    def flush():
        if chars:
            text = "".join(c[0] for c in chars)
            first, last = chars[0][1], chars[-1][3]
            confidence = float(np.exp(np.mean([c[2] for c in chars])))
            start, end = min(first * frame_seconds, limit), min((last + 1) * frame_seconds, limit)
            words.append(Word(text, round(start, 3), round(end, 3), round(confidence, 4), first, last))
            chars.clear()

    for i, (label, frame, score) in enumerate(zip(alignment.labels, alignment.frames, alignment.log_probs)):
        if not 1 <= label <= len(alphabet):
            continue
        char = alphabet[label - 1]
        if char == separator:
            flush()
        else:
            chars.append((char, frame, score, alignment.end_frame(i)))
    flush()
    return words


def _extended(sequence, blank: int) -> np.ndarray:
    """``sequence`` with a blank before, between and after its labels (the CTC state chain)."""
    ext = np.full(2 * len(sequence) + 1, blank, dtype=np.int64)
    ext[1::2] = sequence
    return ext


def _can_skip(ext: np.ndarray, blank: int) -> np.ndarray:
    """Per state of extended chains (last axis): may a path jump here from two states back?
    Yes onto a label that differs from the label before the blank in between."""
    skip = np.zeros(ext.shape, bool)
    skip[..., 2:] = (ext[..., 2:] != blank) & (ext[..., 2:] != ext[..., :-2])
    return skip


def sequence_log_likelihoods(logits: np.ndarray, sequences: list, blank: int = BLANK_INDEX) -> np.ndarray:
    """log p(sequence | logits) of each label sequence, by the CTC forward algorithm run on
    all sequences at once; ``-inf`` for a sequence the frames are too few to emit."""
    logp = log_softmax(logits)
    steps = logp.shape[0]
    if not sequences or steps == 0:
        return np.full(len(sequences), -np.inf)
    width = 2 * max(len(s) for s in sequences) + 1
    ext = np.full((len(sequences), width), blank, dtype=np.int64)
    for i, s in enumerate(sequences):
        ext[i, : 2 * len(s) + 1] = _extended(s, blank)
    size = np.array([2 * len(s) + 1 for s in sequences])
    inside = np.arange(width)[None, :] < size[:, None]
    skip = _can_skip(ext, blank)
    alpha = np.full(ext.shape, -np.inf)
    alpha[:, 0] = logp[0, blank]
    alpha[:, 1] = np.where(size > 1, logp[0, ext[:, 1]], -np.inf)
    for t in range(1, steps):
        step = np.logaddexp(alpha, np.pad(alpha[:, :-1], ((0, 0), (1, 0)), constant_values=-np.inf))
        jump = np.pad(alpha[:, :-2], ((0, 0), (2, 0)), constant_values=-np.inf)
        alpha = np.where(skip, np.logaddexp(step, jump), step) + logp[t, ext]
        alpha[~inside] = -np.inf
    rows = np.arange(len(sequences))
    last = alpha[rows, size - 1]
    before = np.where(size > 1, alpha[rows, np.maximum(size - 2, 0)], -np.inf)
    return np.logaddexp(last, before)


def forced_align(logits: np.ndarray, sequence, blank: int = BLANK_INDEX) -> Alignment:
    """The most probable frame path (Viterbi) that emits exactly ``sequence``, as an Alignment
    (first and last frame of each label, its log-probability at the first)."""
    logp = log_softmax(logits)
    ext = _extended(sequence, blank)
    steps, states = logp.shape[0], ext.size
    skip = _can_skip(ext, blank)
    score = np.full(states, -np.inf)
    score[0] = logp[0, blank]
    if states > 1:
        score[1] = logp[0, ext[1]]
    back = np.zeros((steps, states), dtype=np.int8)  # 0: stayed, 1: from s-1, 2: from s-2
    for t in range(1, steps):
        options = np.stack([score, np.pad(score[:-1], (1, 0), constant_values=-np.inf),
                            np.where(skip, np.pad(score[:-2], (2, 0), constant_values=-np.inf), -np.inf)])
        back[t] = options.argmax(axis=0)
        score = options.max(axis=0) + logp[t, ext]
    state = states - 1 if states == 1 or score[-1] >= score[-2] else states - 2
    if not np.isfinite(score[state]):
        return Alignment((), (), ())
    path = np.empty(steps, dtype=np.int64)
    for t in range(steps - 1, -1, -1):
        path[t] = state
        state -= int(back[t, state])
    labels, frames, scores, ends = [], [], [], []
    previous = -1
    for t, s in enumerate(path.tolist()):  # the path never goes back, so each label is one run
        if s % 2 == 1 and s != previous:
            labels.append(int(ext[s]))
            frames.append(t)
            scores.append(float(logp[t, ext[s]]))
            ends.append(t)
        elif s % 2 == 1:
            ends[-1] = t
        previous = s
    return Alignment(tuple(labels), tuple(frames), tuple(scores), tuple(ends))


def phrase_decode(logits: np.ndarray, sequences: list, blank: int = BLANK_INDEX) -> tuple[int, Alignment, np.ndarray]:
    """Closed-set decoding: the index of the most probable of ``sequences`` (label sequences
    of the allowed phrases), its forced alignment, and the posterior of every phrase
    (their likelihoods normalised over the set)."""
    scores = sequence_log_likelihoods(logits, sequences, blank)
    if not np.isfinite(scores).any():
        return -1, Alignment((), (), ()), np.zeros(len(sequences))
    best = int(np.argmax(scores))
    posterior = np.exp(scores - np.logaddexp.reduce(scores))
    return best, forced_align(logits, sequences[best], blank), posterior
