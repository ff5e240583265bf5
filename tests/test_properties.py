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


from recognizer.ink import write_inkml, write_json  # noqa: E402
from recognizer.ink_features import point_index  # noqa: E402
from recognizer.long_audio import merge_words, speech_segments  # noqa: E402
from recognizer.recognizer import WordTiming  # noqa: E402

timed_stroke = st.integers(1, 20).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=st.floats(-1e9, 1e9)), arrays(np.float64, n, elements=st.floats(-1e9, 1e9)),
    st.booleans()))


@settings(max_examples=40, deadline=None)
@given(st.lists(timed_stroke, min_size=1, max_size=5))
def test_ink_with_mixed_columns_maps_every_feature_row_to_a_point(raw):
    strokes = [np.column_stack([x, y, np.arange(len(x))]) if timed else np.column_stack([x, y])
               for x, y, timed in raw]
    ink = Ink(strokes)
    features, index = ink_features(ink), point_index(ink)
    assert np.isfinite(features).all() and len(index) == len(features)
    for stroke, point in index:
        assert 0 <= stroke < len(ink.strokes) and 0 <= point < len(ink.strokes[stroke])


@settings(max_examples=25, deadline=None)
@given(st.lists(stroke, min_size=1, max_size=4), st.sampled_from(["inkml", "json"]))
def test_ink_files_round_trip(tmp_path_factory, strokes, kind):
    from recognizer.ink import load_ink

    path = tmp_path_factory.mktemp("ink") / f"a.{kind}"
    (write_inkml if kind == "inkml" else write_json)(Ink(strokes, "a <b> & 'c'"), path)
    back = load_ink(path)
    assert back.text == "a <b> & 'c'" and [len(s) for s in back.strokes] == [len(s) for s in strokes]
    assert all(np.allclose(a[:, :2], b, rtol=1e-5, atol=1e-300) for a, b in zip(back.strokes, strokes))


@settings(max_examples=60, deadline=None)
@given(logits_strategy, st.integers(2, 8), st.floats(0.001, 0.1))
def test_beam_search_words_use_the_alphabet_and_stay_in_time(logits, beam, frame_seconds):
    duration = len(logits) * frame_seconds
    words = words_from_alignment(beam_decode(logits, beam_width=beam), ALPHABET, frame_seconds, duration=duration)
    for word in words:
        assert word.word and set(word.word) <= set(ALPHABET) - {" "}
        assert 0 <= word.start <= word.end <= round(duration, 3)
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))


chunk_words = st.lists(st.tuples(st.floats(0, 30), st.floats(0, 2)), max_size=12).map(
    lambda ws: [WordTiming("w", s, s + d, 0.5) for s, d in sorted(ws)])


@settings(max_examples=60, deadline=None)
@given(st.lists(chunk_words, min_size=1, max_size=5))
def test_merged_chunk_words_increase_and_stay_within_the_duration(chunks):
    results, start = [], 0.0
    for words in chunks:  # cores of 20 s with 1 s of context before each
        results.append((max(0.0, start - 1.0), start, start + 20.0, words))
        start += 20.0
    duration = start + 1.0
    merged = merge_words(results, duration)
    assert all(0 <= w.start <= w.end <= duration for w in merged)
    assert all(a.end <= b.start for a, b in zip(merged, merged[1:]))


@settings(max_examples=40, deadline=None)
@given(arrays(np.float32, st.integers(0, 20000), elements=st.floats(-1, 1, width=32)))
def test_speech_segments_are_ordered_and_inside_the_chunk(audio):
    segments = speech_segments(audio)
    assert all(0 <= a < b <= len(audio) for a, b in segments)
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(segments, segments[1:]))
