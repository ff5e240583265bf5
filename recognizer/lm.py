"""Word n-gram language model (interpolated Kneser-Ney, ARPA on disk) and the beam-search scorer.

The ARPA format is the one KenLM and SRILM read and write, so a model built here can be
swapped for one built elsewhere.  :class:`LMScorer` plugs into
:func:`recognizer.ctc.beam_decode`: when a word is completed it adds
``alpha * ln P(word | history) + beta``, plus a bonus for hot words.
"""

from __future__ import annotations

import gzip
import math
import string
import sys
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
LOG10 = math.log(10)
_EDGE_PUNCTUATION = string.punctuation


def lm_word(word: str) -> str:
    """The form a decoded word takes in the language model: lowercase, without the punctuation
    around it (``"Hello,"`` -> ``"hello"``, ``"(1984)"`` -> ``"1984"``, ``"-"`` -> ``""``).
    Words of the lowercase speech alphabet come out unchanged; for handwriting it lets one LM of
    plain words score ``The``, ``the`` and ``the.`` alike."""
    return word.strip(_EDGE_PUNCTUATION).lower()


def lm_sentence(text: str) -> str:
    """``text`` as the language model sees it: its words through :func:`lm_word`, empty ones dropped."""
    return " ".join(w for w in map(lm_word, text.split()) if w)


class NGramLM:
    """Back-off n-gram tables: ``probs[n][ngram] = log10 p`` and ``backoffs[n][ngram] = log10 bow``."""

    def __init__(self, order: int, probs: list[dict], backoffs: list[dict]):
        self.order = order
        self.probs = probs
        self.backoffs = backoffs
        self.score = lru_cache(maxsize=200_000)(self._score)

    @classmethod
    def train(cls, sentences, order: int = 3, discount: float = 0.75, unk_log10: float | None = None) -> "NGramLM":
        """Interpolated Kneser-Ney with one discount, written in back-off form.

        ``<unk>`` (any word not seen in training) gets ``unk_log10``, by default the share of
        words seen only once (a Good-Turing estimate of how often a new word turns up)."""
        counts = [defaultdict(int) for _ in range(order + 1)]  # counts[n][ngram]
        for sentence in sentences:
            words = [BOS] + sentence.split() + [EOS]
            for n in range(1, order + 1):
                for i in range(max(0, 1 if n == 1 else 0), len(words) - n + 1):
                    counts[n][tuple(words[i:i + n])] += 1
        # Lower orders use continuation counts: how many distinct words precede the n-gram.
        for n in range(order - 1, 0, -1):
            continuation = defaultdict(int)
            for ngram in counts[n + 1]:
                continuation[ngram[1:]] += 1
            for ngram in list(counts[n]):
                if ngram[0] != BOS:
                    counts[n][ngram] = continuation.get(ngram, counts[n][ngram])
        probs = [dict() for _ in range(order + 1)]
        backoffs = [dict() for _ in range(order + 1)]
        unigram_total = sum(c for g, c in counts[1].items())
        vocab = [g for g in counts[1] if g != (BOS,)]
        for gram in vocab:
            probs[1][gram] = counts[1][gram] / unigram_total
        if unk_log10 is None:
            tokens = [w for sentence in sentences for w in sentence.split()]
            once = sum(1 for c in Counter(tokens).values() if c == 1)
            unk_log10 = math.log10(max(once, 1) / max(len(tokens), 1))
        probs[1][(UNK,)] = 10 ** unk_log10
        probs[1][(BOS,)] = 0.0
        for n in range(2, order + 1):
            context_total, context_types = defaultdict(int), defaultdict(int)
            for ngram, c in counts[n].items():
                context_total[ngram[:-1]] += c
                context_types[ngram[:-1]] += 1
            for ngram, c in counts[n].items():
                h = ngram[:-1]
                gamma = discount * context_types[h] / context_total[h]
                lower = cls._interpolated(probs, backoffs, ngram[1:])
                probs[n][ngram] = max(c - discount, 0) / context_total[h] + gamma * lower
            for h, total in context_total.items():
                backoffs[n - 1][h] = discount * context_types[h] / total
        to_log = [{g: (math.log10(p) if p > 0 else -99.0) for g, p in table.items()} for table in probs]
        bow_log = [{g: math.log10(b) for g, b in table.items() if b > 0} for table in backoffs]
        return cls(order, to_log, bow_log)

    @staticmethod
    def _interpolated(probs, backoffs, ngram) -> float:
        """Linear probability of ``ngram`` from the (linear) tables built so far."""
        n = len(ngram)
        if ngram in probs[n]:
            return probs[n][ngram]
        if n == 1:
            return probs[1][(UNK,)]
        return backoffs[n - 1].get(ngram[:-1], 1.0) * NGramLM._interpolated(probs, backoffs, ngram[1:])

    def _score(self, history: tuple, word: str) -> float:
        """log10 P(word | history) with back-off; unknown words score as <unk>."""
        history = history[-(self.order - 1):] if self.order > 1 else ()
        if (word,) not in self.probs[1]:
            word = UNK
        penalty = 0.0
        while True:
            ngram = history + (word,)
            if ngram in self.probs[len(ngram)]:
                return penalty + self.probs[len(ngram)][ngram]
            penalty += self.backoffs[len(history)].get(history, 0.0) if history else 0.0
            history = history[1:]

    def word_prefixes(self) -> frozenset:
        """Every beginning of every word the model knows ("", "t", "th", "the", ...)."""
        if not hasattr(self, "_prefixes"):
            words = {g[0] for g in self.probs[1] if g[0] not in (BOS, EOS, UNK)}
            self._prefixes = _prefixes(words)
        return self._prefixes

    def sentence_log10(self, sentence: str) -> float:
        words, history, total = sentence.split() + [EOS], (BOS,), 0.0
        for w in words:
            total += self.score(history, w)
            history = (history + (w,))[-(self.order - 1):]
        return total

    def save_arpa(self, path: str | Path) -> None:
        lines = ["", "\\data\\"] + [f"ngram {n}={len(self.probs[n])}" for n in range(1, self.order + 1)]
        for n in range(1, self.order + 1):
            lines += ["", f"\\{n}-grams:"]
            for ngram, logp in sorted(self.probs[n].items()):
                bow = self.backoffs[n].get(ngram) if n < self.order else None
                lines.append(f"{logp:.6f}\t{' '.join(ngram)}" + (f"\t{bow:.6f}" if bow is not None else ""))
        lines += ["", "\\end\\", ""]
        text = "\n".join(lines)
        path = Path(path)
        if path.suffix == ".gz":
            with gzip.open(path, "wt", encoding="utf-8") as f:
                f.write(text)
        else:
            path.write_text(text, encoding="utf-8")

    @classmethod
    def load_arpa(cls, path: str | Path) -> "NGramLM":
        path = Path(path)
        opener = gzip.open if path.suffix == ".gz" else open
        counts, probs, backoffs, n = {}, None, None, 0
        with opener(path, "rt", encoding="utf-8") as f:
            for line in f:  # streamed: a large model is never held as text
                line = line.strip()
                if not line or line in ("\\data\\", "\\end\\"):
                    continue
                if line.startswith("ngram ") and "=" in line:
                    k, v = line[6:].split("=")
                    counts[int(k)] = int(v)
                elif line.startswith("\\") and line.endswith("-grams:"):
                    n = int(line[1:line.index("-")])
                    if probs is None:
                        order = max(counts)
                        probs = [dict() for _ in range(order + 1)]
                        backoffs = [dict() for _ in range(order + 1)]
                elif n:
                    parts = line.split()
                    ngram = tuple(map(sys.intern, parts[1:1 + n]))  # one string per word, not per n-gram
                    probs[n][ngram] = float(parts[0])
                    if len(parts) > 1 + n:
                        backoffs[n][ngram] = float(parts[1 + n])
        if not probs or not probs[1]:
            raise ValueError(f"{path}: not an ARPA language model")
        if (UNK,) not in probs[1]:
            probs[1][(UNK,)] = -7.0
        return cls(len(probs) - 1, probs, backoffs)


def _prefixes(words) -> frozenset:
    return frozenset(w[:i] for w in words for i in range(len(w) + 1))


class LMScorer:
    """Shallow fusion for CTC prefix beam search.

    Whole words are scored at word boundaries (``alpha * ln P(word | history) + beta``, plus
    hot-word bonuses), the LM seeing each word through :func:`lm_word` (a bare punctuation mark
    is not scored); while a word is being spelled, ``oov_penalty`` is added once when the
    partial word stops being the beginning of any word the LM (or the hot-word list) knows,
    which keeps the beam on real words long before they are complete.
    """

    def __init__(self, lm: NGramLM | None, alphabet: str, alpha: float = 0.5, beta: float = 1.0,
                 hot_words: dict[str, float] | None = None, separator: str = " ", oov_penalty: float = 0.0):
        self.lm, self.alphabet, self.alpha, self.beta = lm, alphabet, alpha, beta
        self.hot_words = {w.lower() if alphabet.islower() else w: b for w, b in (hot_words or {}).items()}
        self.separator_label = alphabet.index(separator) + 1
        self.oov_penalty = oov_penalty
        self.prefixes = None
        if lm is not None and oov_penalty:  # the LM's own set unless hot words add to it (a copy costs ms)
            known = lm.word_prefixes()
            self.prefixes = known | _prefixes(map(lm_word, self.hot_words)) if self.hot_words else known

    def _words(self, prefix: tuple) -> list[str]:
        text = "".join(self.alphabet[k - 1] for k in prefix)
        return text.split()

    def _word_score(self, history: list[str], word: str) -> float:
        key = lm_word(word)
        if not key:
            return self.hot_words.get(word, 0.0)
        score = self.beta + self.hot_words.get(word, 0.0)
        if self.lm is not None:
            score += self.alpha * LOG10 * self.lm.score(self._history(history), key)
        return score

    @staticmethod
    def _history(words: list[str]) -> tuple:
        return tuple([BOS] + [k for k in map(lm_word, words) if k])

    def _partial_word(self, prefix: tuple) -> str:
        chars = []
        for k in reversed(prefix):
            if k == self.separator_label:
                break
            chars.append(self.alphabet[k - 1])
        return "".join(reversed(chars))

    def __call__(self, prefix: tuple, label: int) -> float:
        """Bonus for extending ``prefix`` by ``label``: a separator completes the last word."""
        if label != self.separator_label:
            if self.prefixes is None:
                return 0.0
            before = self._partial_word(prefix)
            after = lm_word(before + self.alphabet[label - 1])
            leaving = lm_word(before) in self.prefixes and after and after not in self.prefixes
            return self.oov_penalty if leaving else 0.0
        if not prefix or prefix[-1] == self.separator_label:
            return 0.0
        words = self._words(prefix)
        return self._word_score(words[:-1], words[-1]) if words else 0.0

    def finish(self, prefix: tuple) -> float:
        """Score of the unfinished last word and the end of the sentence."""
        words = self._words(prefix)
        if not words:
            return 0.0
        score = 0.0 if prefix[-1] == self.separator_label else self._word_score(words[:-1], words[-1])
        if self.lm is not None:
            score += self.alpha * LOG10 * self.lm.score(self._history(words), EOS)
        return score
