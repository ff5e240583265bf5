"""Corpus error rates (WER, CER) with jiwer; light to import (no TensorFlow)."""

from __future__ import annotations


def error_rates(references: list[str], hypotheses: list[str]) -> tuple[float, float]:
    """(WER, CER) of a corpus, as jiwer computes them; empty references are skipped."""
    import jiwer

    pairs = [(r, h) for r, h in zip(references, hypotheses) if r.strip()]
    if not pairs:
        return 0.0, 0.0
    refs, hyps = zip(*pairs)
    return float(jiwer.wer(list(refs), list(hyps))), float(jiwer.cer(list(refs), list(hyps)))
