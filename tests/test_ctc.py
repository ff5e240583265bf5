import numpy as np

from recognizer.ctc import beam_decode, greedy_decode, log_softmax, words_from_alignment

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
