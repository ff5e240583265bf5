import numpy as np
import pytest

pytest.importorskip("matplotlib")

from recognizer import plot  # noqa: E402
from recognizer.ink import load_ink  # noqa: E402
from recognizer.recognizer import InkWordSpan, WordTiming  # noqa: E402
from recognizer.vocab import DEFAULT_ALPHABET  # noqa: E402
from tests.conftest import SAMPLES  # noqa: E402


def texts(ax):
    return [t.get_text() for t in ax.texts]


def test_waveform_marks_words_and_saves_png(tmp_path, tone):
    words = [WordTiming("hi", 0.1, 0.2, 0.9), WordTiming("there", 0.25, 0.4, 0.8)]
    fig = plot.plot_waveform(tone, 16000, words, title="hi there")
    (ax,) = fig.axes
    assert len(ax.lines) == 1 + 2 * len(words)  # the signal plus a start and an end line per word
    assert texts(ax) == ["hi", "there"] and ax.get_title() == "hi there"
    assert ax.get_xlim() == pytest.approx((0, tone.size / 16000))
    fig.savefig(tmp_path / "w.png")
    assert (tmp_path / "w.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_mfcc_is_an_image_with_a_colorbar():
    frames = np.random.default_rng(0).normal(size=(50, 26)).astype(np.float32)
    fig = plot.plot_mfcc(frames, 0.01)
    ax, colorbar = fig.axes
    (image,) = ax.images
    assert image.get_array().shape == (26, 50)  # coefficients upward, time across
    assert ax.get_xlim() == pytest.approx((0, 0.5))


def test_alignment_keeps_active_characters_and_marks_words(tmp_path):
    frames, size = 12, len(DEFAULT_ALPHABET) + 1
    probs = np.full((frames, size), 1e-4)
    path = [0, 9, 0, 6, 0, 1, 0, 10, 10, 0, 0, 0]  # "h e _ i" with blanks between
    probs[np.arange(frames), path] = 1.0
    probs /= probs.sum(axis=1, keepdims=True)
    words = plot.greedy_words(probs, DEFAULT_ALPHABET, frame_seconds=0.03)
    assert [w.word for w in words] == ["he", "i"]
    fig = plot.plot_alignment(probs, DEFAULT_ALPHABET, 0.03, words)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [plot.BLANK_LABEL, plot.SPACE_LABEL, "e", "h", "i"]
    assert ax.images[0].get_array().shape == (5, frames)
    assert texts(ax) == ["he", "i"] and len(ax.lines) == 4
    assert ax.get_xlim() == pytest.approx((0, frames * 0.03))
    assert len(plot.plot_alignment(probs, DEFAULT_ALPHABET, min_probability=0).axes[0].get_yticklabels()) == size
    fig.savefig(tmp_path / "a.png")
    with pytest.raises(ValueError, match="shape"):
        plot.plot_alignment(probs[:, :5], DEFAULT_ALPHABET)


def test_frame_probabilities_of_a_model(tmp_path):
    from recognizer.recognizer import Recognizer
    from tests.test_model_dir import make_model_dir

    recognizer = Recognizer.load(make_model_dir(tmp_path / "m")[0], lm=None)
    probs = plot.frame_probabilities(recognizer, SAMPLES / "lights_kal16.wav")
    assert probs.shape[1] == recognizer.vocab.size and np.allclose(probs.sum(axis=1), 1.0)
    assert len(plot.plot_alignment(probs, recognizer.vocab.alphabet, recognizer.frame_seconds).axes) == 2


def test_ink_is_drawn_stroke_by_stroke_with_y_downward(tmp_path):
    ink = load_ink(SAMPLES / "hello_world.inkml")
    fig = plot.plot_ink(ink)
    (ax,) = fig.axes
    assert len(ax.collections) == sum(len(s) > 1 for s in ink.strokes)
    assert ax.yaxis_inverted() and ax.get_title() == repr("Hello World")
    last = len(ink.strokes) - 1
    words = [InkWordSpan("Hello", 0, 0, 4, 0, 0.9), InkWordSpan("World", 5, 0, last, len(ink.strokes[last]) - 1, 0.8)]
    fig = plot.plot_ink(ink, text="Hello World", words=words)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Hello", "World"]
    colors = ax.collections[-1].get_colors()  # the last stroke belongs to the second word
    assert np.allclose(colors, colors[0]) and not np.allclose(colors[0][:3], 0)
    fig.savefig(tmp_path / "ink.png")


def test_error_rates_has_a_wer_and_cer_bar_per_group(tmp_path):
    groups = {"a": {"files": 3, "wer": 0.25, "cer": 0.1}, "b": {"files": 1, "wer": 1.0, "cer": 0.5}}
    fig = plot.plot_error_rates(groups, {"files": 4, "wer": 0.4, "cer": 0.2})
    (ax,) = fig.axes
    heights = [p.get_height() for p in ax.patches]
    assert heights == pytest.approx([25, 100, 40, 10, 50, 20])  # WER bars, then CER bars
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["WER", "CER"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a\n(3)", "b\n(1)", "all\n(4)"]
    fig.savefig(tmp_path / "e.png")
    assert (tmp_path / "e.png").stat().st_size > 1000


def test_runtimes_shows_size_and_latency_with_identical_text_share(tmp_path):
    report = {"modality": "speech", "files": 4, "runtimes": {
        "keras": {"megabytes": 20.0, "ms_per_audio_second": 70.0, "same_text": 1.0},
        "model.tflite": {"megabytes": 2.0, "ms_per_audio_second": 10.0, "same_text": 0.75}}}
    fig = plot.plot_runtimes(report)
    size_ax, speed_ax = fig.axes
    assert [p.get_height() for p in size_ax.patches] == pytest.approx([20, 2])
    assert [p.get_height() for p in speed_ax.patches] == pytest.approx([70, 10])
    assert [t.get_text() for t in size_ax.get_xticklabels()] == ["keras", "tflite"]
    assert "75% same" in " ".join(texts(speed_ax)) and "100% same" in " ".join(texts(size_ax))
    assert "per second of audio" in speed_ax.get_ylabel()
    fig.savefig(tmp_path / "r.png")
    assert (tmp_path / "r.png").stat().st_size > 1000


def test_figures_show_themselves_as_png_in_notebooks():
    fig = plot.plot_mfcc(np.zeros((10, 4), np.float32))
    assert fig._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
