"""Figures for notebooks and reports: waveform, MFCC frames, CTC alignment, ink, error rates.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so nothing
is kept in a global figure list and no window is opened: a notebook shows it as a PNG when it
is the last expression of a cell (or with ``display(fig)``); ``fig.savefig("x.png")`` writes it.
matplotlib is imported only when a function here is called; on a machine without a
display the Agg backend is selected, so a later ``import matplotlib.pyplot`` cannot try
to open a GUI.

    from recognizer import plot
    from recognizer.recognizer import Recognizer

    recognizer = Recognizer.load("speech-en")
    result = recognizer.transcribe("samples/hello_slt.wav")
    probs = plot.frame_probabilities(recognizer, "samples/hello_slt.wav")
    plot.plot_alignment(probs, recognizer.vocab.alphabet, recognizer.frame_seconds, result.words)
"""

from __future__ import annotations

import os
import sys

import numpy as np

BLANK_LABEL = "\u2205"  # shown for the CTC blank in the alignment plot
SPACE_LABEL = "\u2423"  # shown for the space character


_FIGURE_CLASS = None


def _new_figure(width: float, height: float):
    """A pyplot-free Figure (lazily importing matplotlib, Agg when headless) that shows itself
    as a PNG in notebooks."""
    global _FIGURE_CLASS
    if _FIGURE_CLASS is None:
        import matplotlib

        headless = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or
                                                             os.environ.get("WAYLAND_DISPLAY"))
        if headless and not os.environ.get("MPLBACKEND") and "matplotlib.pyplot" not in sys.modules:
            matplotlib.use("Agg")
        from matplotlib.figure import Figure

        class NotebookFigure(Figure):
            """A Figure that IPython/Jupyter displays as a PNG when it is a cell's result."""

            def _repr_png_(self):
                import io

                buffer = io.BytesIO()
                self.savefig(buffer, format="png", dpi=100)
                return buffer.getvalue()

        _FIGURE_CLASS = NotebookFigure
    return _FIGURE_CLASS(figsize=(width, height), layout="constrained")


def frame_probabilities(recognizer, source, sample_rate: int | None = None) -> np.ndarray:
    """Per-output-frame character probabilities ``(T', V)`` of one input (path, array or Ink):
    the softmax of :meth:`Recognizer.input_logits`; column 0 is the CTC blank."""
    from recognizer.ctc import log_softmax
    from recognizer.frontend import load_input

    logits = recognizer.input_logits(load_input(recognizer.modality, source, sample_rate))
    return np.exp(log_softmax(logits))


def greedy_words(probabilities: np.ndarray, alphabet: str, frame_seconds: float = 1.0) -> list:
    """Words of the best path through ``probabilities`` with start/end on the frame axis of
    :func:`plot_alignment` (seconds for speech; output frames when ``frame_seconds`` is 1, as
    for ink, whose transcription gives stroke spans rather than times)."""
    from recognizer.ctc import greedy_decode, words_from_alignment

    alignment = greedy_decode(np.log(np.maximum(probabilities, 1e-30)))
    return words_from_alignment(alignment, alphabet, frame_seconds)


def plot_waveform(audio: np.ndarray, sample_rate: int = 16000, words=(), title: str | None = None):
    """Amplitude over time; ``words`` (anything with ``word``, ``start``, ``end`` in seconds,
    e.g. a transcription's ``words``) are shaded and labelled."""
    audio = np.asarray(audio, dtype=np.float32).reshape(-1)
    fig = _new_figure(10, 2.8)
    ax = fig.add_subplot()
    t = np.arange(audio.size) / sample_rate
    ax.plot(t, audio, linewidth=0.5, color="tab:blue")
    _mark_words(ax, words, label_y=1.0)
    ax.set_xlim(0, max(audio.size / sample_rate, 1e-3))
    peak = float(np.max(np.abs(audio))) if audio.size else 1.0
    ax.set_ylim(-1.1 * (peak or 1.0), 1.1 * (peak or 1.0))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("amplitude")
    ax.set_title(title or "waveform", pad=18 if words else 6)
    return fig


def plot_mfcc(frames: np.ndarray, frame_seconds: float = 0.01, title: str | None = None):
    """Feature frames ``(T, F)`` (e.g. :func:`recognizer.features.mfcc`) as an image:
    time across, coefficient upward."""
    frames = np.asarray(frames, dtype=np.float32)
    fig = _new_figure(10, 3.2)
    ax = fig.add_subplot()
    image = ax.imshow(frames.T, origin="lower", aspect="auto", cmap="magma", interpolation="nearest",
                      extent=(0, len(frames) * frame_seconds, -0.5, frames.shape[1] - 0.5))
    fig.colorbar(image, ax=ax, pad=0.01, label="value")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("coefficient")
    ax.set_title(title or f"MFCC frames ({frames.shape[0]} x {frames.shape[1]})")
    return fig


def plot_alignment(probabilities: np.ndarray, alphabet: str, frame_seconds: float = 1.0, words=(),
                   min_probability: float = 0.05, title: str | None = None):
    """CTC alignment: the probability of each character (rows) in each output frame (columns),
    with recognised ``words`` marked at their start and end.

    ``words`` have ``word``, ``start`` and ``end`` in the unit of the x axis (frame index times
    ``frame_seconds``): a speech transcription's ``words`` with ``recognizer.frame_seconds``,
    or :func:`greedy_words` for any model.  Characters whose probability never reaches
    ``min_probability`` are left out (the blank row is always kept) so large alphabets stay
    readable; pass 0 to show them all.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = [BLANK_LABEL] + [SPACE_LABEL if c == " " else c for c in alphabet]
    if probabilities.ndim != 2 or probabilities.shape[1] != len(labels):
        raise ValueError(f"expected probabilities of shape (frames, {len(labels)}), got {probabilities.shape}")
    peak = probabilities.max(axis=0) if len(probabilities) else np.zeros(len(labels))
    rows = [0] + [k for k in range(1, len(labels)) if peak[k] >= min_probability]
    fig = _new_figure(10, max(3.0, 0.16 * len(rows) + 1.6))
    ax = fig.add_subplot()
    end = len(probabilities) * frame_seconds
    image = ax.imshow(probabilities[:, rows].T, origin="lower", aspect="auto", cmap="viridis", vmin=0, vmax=1,
                      interpolation="nearest", extent=(0, end, -0.5, len(rows) - 0.5))
    fig.colorbar(image, ax=ax, pad=0.01, label="probability")
    ax.set_yticks(range(len(rows)), [labels[k] for k in rows], fontsize=7 if len(rows) > 30 else 9)
    _mark_words(ax, words, label_y=1.0, shade=False)
    ax.set_xlim(0, end or 1.0)
    ax.set_xlabel("time (s)" if frame_seconds != 1.0 else "output frame")
    ax.set_ylabel("character")
    ax.set_title(title or "CTC alignment", pad=18 if words else 6)
    return fig


def _mark_words(ax, words, label_y: float, shade: bool = True) -> None:
    """Vertical lines at each word's start (solid) and end (dashed), its text above the axes."""
    transform = ax.get_xaxis_transform()  # x in data units, y in axes units
    for i, w in enumerate(words or ()):
        color = _color(i)
        if shade:
            ax.axvspan(w.start, w.end, color=color, alpha=0.12, linewidth=0)
        ax.axvline(w.start, color=color, linewidth=1.2)
        ax.axvline(w.end, color=color, linewidth=1.2, linestyle="--")
        ax.text((w.start + w.end) / 2, label_y + 0.01, w.word, transform=transform, ha="center", va="bottom",
                fontsize=9, color=color, clip_on=False)


def _color(i: int):
    palette = ("tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")
    return palette[i % len(palette)]


def plot_ink(ink, text: str | None = None, words=(), title: str | None = None):
    """Pen strokes in device coordinates (y grows downward, so the y axis is inverted), drawn
    in writing order with the stroke number at each start; ``text`` (default: the ink's own
    transcript) is the title.  ``words`` (an ink transcription's ``InkWordSpan``) colour the
    points of each recognised word; the rest is grey."""
    from matplotlib.collections import LineCollection

    fig = _new_figure(10, 3.4)
    ax = fig.add_subplot()
    owner = _word_owner(ink, words)
    for k, stroke in enumerate(ink.strokes):
        xy = stroke[:, :2]
        # one segment per pair of points, coloured by the word of its end point
        colors = ["black" if not words else "0.65" if o < 0 else _color(int(o)) for o in owner[k]]
        if len(xy) > 1:
            ax.add_collection(LineCollection(np.stack([xy[:-1], xy[1:]], axis=1), colors=colors[1:],
                                             linewidths=1.6, capstyle="round"))
        else:
            ax.scatter(xy[:, 0], xy[:, 1], s=4, c=colors)
        ax.annotate(str(k + 1), xy[0], fontsize=6, color="tab:blue", alpha=0.6,
                    xytext=(-3, 3), textcoords="offset points")
    ax.autoscale_view()
    for i, w in enumerate(words or ()):
        ax.plot([], [], color=_color(i), linewidth=3, label=w.word)
    if words:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.set_aspect("equal", adjustable="datalim")
    ax.invert_yaxis()
    ax.set_xlabel("x (device units)")
    ax.set_ylabel("y (device units, downward)")
    shown = text if text is not None else ink.text
    ax.set_title(title or (repr(shown) if shown is not None else f"{len(ink.strokes)} strokes"))
    return fig


def _word_owner(ink, words) -> list[np.ndarray]:
    """Per stroke, the index of the word each point belongs to (-1: none)."""
    owner = [np.full(len(s), -1, dtype=np.int64) for s in ink.strokes]
    for i, w in enumerate(words or ()):
        for k in range(w.start_stroke, min(w.end_stroke, len(owner) - 1) + 1):
            first = w.start_point if k == w.start_stroke else 0
            last = w.end_point if k == w.end_stroke else len(owner[k]) - 1
            owner[k][first:last + 1] = i
    return owner


def plot_error_rates(groups: dict, overall: dict | None = None, title: str | None = None):
    """WER and CER bars per group (``{name: {"wer": .., "cer": .., "files": n}}`` as
    :func:`pipelines.evaluate.evaluate` returns them), plus an "all" pair for ``overall``."""
    items = list(groups.items()) + ([("all", overall)] if overall is not None else [])
    names = [f"{name}\n({g['files']})" if "files" in g else name for name, g in items]
    wer = np.array([100 * g["wer"] for _, g in items])
    cer = np.array([100 * g["cer"] for _, g in items])
    fig = _new_figure(max(6.0, 0.8 * len(items) + 2.5), 4.0)
    ax = fig.add_subplot()
    x = np.arange(len(items))
    for offset, values, label, color in ((-0.2, wer, "WER", "tab:blue"), (0.2, cer, "CER", "tab:orange")):
        bars = ax.bar(x + offset, values, width=0.4, label=label, color=color)
        ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
    if overall is not None and items:
        ax.axvline(len(items) - 1.5, color="0.5", linewidth=0.8, linestyle=":")
    ax.set_xticks(x, names, rotation=30 if len(items) > 4 else 0, ha="right" if len(items) > 4 else "center",
                  fontsize=8)
    ax.set_ylabel("error rate (%)")
    ax.set_ylim(0, max(10.0, float(max(wer.max(initial=0), cer.max(initial=0))) * 1.15))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_title(title or "error rates per group (files in parentheses)")
    return fig


def plot_runtimes(report: dict, title: str | None = None):
    """Size on disk and latency per runtime side by side, each bar labelled with the share of
    files whose text equals the reference runtime's (``report`` as
    :func:`pipelines.parity.parity_report` returns it)."""
    names = list(report["runtimes"])
    rows = [report["runtimes"][n] for n in names]
    unit = "ms per second of audio" if report.get("modality", "speech") == "speech" else "ms per file"
    fig = _new_figure(max(7.0, 1.3 * len(names) + 3.0), 3.8)
    size_ax, speed_ax = fig.subplots(1, 2)
    x = np.arange(len(names))
    for ax, key, label, color in ((size_ax, "megabytes", "size on disk (MB)", "tab:green"),
                                  (speed_ax, "ms_per_audio_second", f"latency ({unit})", "tab:purple")):
        bars = ax.bar(x, [r[key] for r in rows], color=color)
        ax.bar_label(bars, labels=[f"{r[key]:.3g}\n{r['same_text']:.0%} same" for r in rows], fontsize=7, padding=1)
        ax.set_xticks(x, [n.removeprefix("model.").removesuffix(".tflite") for n in names], rotation=30,
                      ha="right", fontsize=8)
        ax.set_ylabel(label)
        ax.set_ylim(0, max(r[key] for r in rows) * 1.35 if rows else 1.0)
    fig.suptitle(title or f"runtimes on {report['files']} files: size, latency, share of identical text")
    return fig
