"""Property-based tests: random inputs never crash the front-ends or decoders and keep invariants."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from recognizer.audio import load_audio
from recognizer.ctc import beam_decode, greedy_decode, words_from_alignment
from recognizer.features import FeatureConfig, mfcc
from recognizer.ink import Ink
from recognizer.ink_features import ink_features

ALPHABET = " abcdefghijklmnopqrstuvwxyz'"
finite = st.floats(-50, 50, allow_nan=False, width=32)
logits_strategy = st.integers(1, 40).flatmap(
    lambda t: arrays(np.float32, (t, len(ALPHABET) + 1), elements=finite))


def check_alignment(alignment, steps):
    assert all(1 <= k <= len(ALPHABET) for k in alignment.labels)
    assert list(alignment.frames) == sorted(alignment.frames)
    assert all(0 <= f < steps for f in alignment.frames)
    assert all(s <= 0 for s in alignment.log_probs)


@settings(max_examples=60, deadline=None)
@given(logits_strategy, st.sampled_from([1, 2, 8]))
def test_decoders_emit_alphabet_labels_in_time_order(logits, beam):
    greedy = greedy_decode(logits)
    check_alignment(greedy, len(logits))
    beamed = beam_decode(logits, beam_width=beam)
    check_alignment(beamed, len(logits))


@settings(max_examples=60, deadline=None)
@given(logits_strategy, st.floats(0.001, 0.1))
def test_word_times_increase_and_stay_within_duration(logits, frame_seconds):
    duration = len(logits) * frame_seconds * 0.9  # audio may end inside the last frame
    words = words_from_alignment(greedy_decode(logits), ALPHABET, frame_seconds, duration=duration)
    for word in words:
        assert word.word and " " not in word.word and set(word.word) <= set(ALPHABET)
        assert 0 <= word.start <= word.end <= round(duration, 3)
        assert 0 < word.confidence <= 1
    assert all(a.end <= b.start + 1e-9 for a, b in zip(words, words[1:]))


@settings(max_examples=30, deadline=None)
@given(arrays(np.float32, st.integers(1, 4000), elements=st.one_of(
           st.floats(-2, 2, width=32), st.sampled_from([np.nan, np.inf, -np.inf]))),
       st.sampled_from([8000, 16000, 22050, 44100]))
def test_audio_front_end_never_crashes(audio, rate):
    loaded = load_audio(audio, rate)
    assert loaded.dtype == np.float32 and np.isfinite(loaded).all()
    frames = mfcc(loaded, FeatureConfig())
    assert frames.shape == (FeatureConfig().num_frames(loaded.size), FeatureConfig().dim)
    assert np.isfinite(frames).all()


point = st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.floats(-1e6, 1e6, allow_nan=False))
stroke = st.lists(point, min_size=1, max_size=30).map(lambda p: np.array(p, dtype=np.float64))


@settings(max_examples=60, deadline=None)
@given(st.lists(stroke, min_size=1, max_size=6))
def test_ink_features_are_finite_and_mark_every_stroke_end(strokes):
    features = ink_features(Ink(strokes))
    assert np.isfinite(features).all() and features.shape[1] == 7
    assert features[:, 2].sum() == len(strokes) and features[-1, 2] == 1
