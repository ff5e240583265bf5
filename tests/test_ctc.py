import itertools

import numpy as np

import pytest

from recognizer.ctc import (beam_decode, forced_align, greedy_decode, log_softmax, phrase_decode,
                           sequence_log_likelihoods, words_from_alignment)

ALPHABET = " abcdefghijklmnopqrstuvwxyz'"


def one_hot_logits(frames, vocab_size=29, peak=8.0):
    """Logits that put almost all mass on the given label at each frame."""
    logits = np.zeros((len(frames), vocab_size), dtype=np.float32)
    logits[np.arange(len(frames)), frames] = peak
    return logits


def idx(c):
    return ALPHABET.index(c) + 1


def test_greedy_merges_repeats_and_needs_blank_between_doubles():
    # "l l" with a blank between -> "ll"; "o o" without blank -> "o"
    frames = [idx("h"), idx("e"), idx("l"), 0, idx("l"), idx("o"), idx("o"), 0]
    alignment = greedy_decode(one_hot_logits(frames))
    assert "".join(ALPHABET[k - 1] for k in alignment.labels) == "hello"
    assert alignment.frames == (0, 1, 2, 4, 5)


def test_beam_matches_greedy_on_peaked_logits():
    frames = [idx("a"), 0, idx("a"), idx(" "), idx("b"), idx("b"), 0]
    logits = one_hot_logits(frames)
    assert beam_decode(logits, beam_width=8).labels == greedy_decode(logits).labels


def test_beam_frames_of_certain_blank_read_as_with_every_label_scored():
    # frames where only the blank passes the pruning take a shortcut; scoring every label
    # there instead (prune -40) must read the same text, doubled letters included
    rng = np.random.default_rng(3)
    for _ in range(20):
        logits = rng.normal(0, 1.5, (24, 5)).astype(np.float32)
        certain = rng.random(24) < 0.4
        logits[certain] = 0.0
        logits[certain, 0] = 20.0
        fast = beam_decode(logits, beam_width=64)
        assert fast.labels == beam_decode(logits, beam_width=64, prune_log_prob=-40.0).labels


def test_beam_finds_sequence_greedy_misses():
    # Two frames; P(blank)=0.4 each, "a"=0.3 each, "b"=0.3... best path is blank-blank (""),
    # but the summed probability of "a" (a-a, a-blank, blank-a) is larger.
    probs = np.array([[0.4, 0.35, 0.25], [0.4, 0.35, 0.25]])
    logits = np.log(probs)
    assert greedy_decode(logits).labels == ()
    assert beam_decode(logits, beam_width=4).labels == (1,)


def test_word_timings_and_confidence():
    frames = [idx("h"), idx("i"), 0, idx(" "), 0, 0, idx("y"), idx("o"), 0, 0]
    alignment = greedy_decode(one_hot_logits(frames))
    words = words_from_alignment(alignment, ALPHABET, frame_seconds=0.03)
    assert [w.word for w in words] == ["hi", "yo"]
    assert words[0].start == 0.0 and words[0].end == 0.06
    assert words[1].start == 0.18 and words[1].end == 0.24
    assert all(0.9 < w.confidence <= 1.0 for w in words)


def test_word_ends_cover_repeated_frames_of_the_last_character():
    frames = [idx("o"), idx("k"), idx("k"), idx("k"), 0, 0]
    alignment = greedy_decode(one_hot_logits(frames))
    assert alignment.end_frames == (0, 3)
    (word,) = words_from_alignment(alignment, ALPHABET, frame_seconds=0.03)
    assert (word.start, word.end, word.last_frame) == (0.0, 0.12, 3)


def test_log_softmax_normalises():
    logp = log_softmax(np.random.default_rng(0).normal(size=(5, 7)))
    assert np.allclose(np.exp(logp).sum(axis=-1), 1.0)


def collapse(path, blank=0):
    out, previous = [], blank
    for k in path:
        if k != blank and k != previous:
            out.append(k)
        previous = k
    return tuple(out)


def test_sequence_likelihoods_sum_every_path_that_emits_the_sequence():
    logits = np.random.default_rng(3).normal(size=(5, 3)) * 2
    logp = log_softmax(logits)
    totals: dict = {}
    for path in itertools.product(range(3), repeat=5):  # all 243 frame paths, by brute force
        key = collapse(path)
        totals[key] = np.logaddexp(totals.get(key, -np.inf), sum(logp[t, k] for t, k in enumerate(path)))
    sequences = [[1], [2, 1], [1, 1], [1, 2, 1], [2, 2, 2], [1, 1, 1]]  # [1, 1, 1] needs 5 frames: fits
    ours = sequence_log_likelihoods(logits, sequences)
    assert ours == pytest.approx([totals[tuple(s)] for s in sequences], abs=1e-9)
    assert sequence_log_likelihoods(logits, [[1, 1, 1, 2]])[0] == -np.inf  # needs 7 frames


def test_forced_align_times_each_label_of_the_asked_sequence():
    # frames: c c _ a a _ _ t ; forcing "cat" follows the peaks, forcing "cut" swaps the vowel
    logits = one_hot_logits([idx("c"), idx("c"), 0, idx("a"), idx("a"), 0, 0, idx("t")])
    cat = forced_align(logits, [idx("c"), idx("a"), idx("t")])
    assert cat.labels == (idx("c"), idx("a"), idx("t"))
    assert cat.frames == (0, 3, 7) and cat.end_frames == (1, 4, 7)
    cut = forced_align(logits, [idx("c"), idx("u"), idx("t")])
    assert cut.labels == (idx("c"), idx("u"), idx("t")) and cut.log_probs[1] < -5
    doubled = forced_align(one_hot_logits([idx("o"), 0, idx("o"), idx("f")]), [idx("o"), idx("o"), idx("f")])
    assert doubled.frames == (0, 2, 3)
    assert forced_align(logits[:2], [idx("c"), idx("a"), idx("t")]).labels == ()  # too few frames


def test_phrase_decode_picks_the_most_probable_allowed_phrase():
    logits = one_hot_logits([idx(c) if c != "_" else 0 for c in "st_o_p_ _mm_u_s_i_c"])
    phrases = [[idx(c) for c in text] for text in ("stop music", "start music", "stop mail", "stop")]
    best, alignment, posterior = phrase_decode(logits, phrases)
    assert best == 0 and posterior.sum() == pytest.approx(1.0) and posterior[0] > 0.99
    words = words_from_alignment(alignment, ALPHABET, 0.03)
    assert [w.word for w in words] == ["stop", "music"]
    assert words[1].start == pytest.approx(0.03 * 9)
    assert phrase_decode(logits[:3], phrases)[0] == -1  # no phrase fits 3 frames
