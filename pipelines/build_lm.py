"""Build a word n-gram language model (ARPA) from manifests' transcripts or text files.

    python -m pipelines.build_lm data/speech/train.csv --out saved_models/speech-en/lm.arpa.gz --order 3
    python -m pipelines.build_lm fortunes --exclude data/speech/valid_heldout.csv --out lm.arpa.gz
    python -m pipelines.build_lm fortunes wordnet --exclude data/speech/valid_heldout.csv --out lm.arpa.gz
    python -m pipelines.build_lm fortunes --model saved_models/ink-en \
        --exclude-containing data/ink/valid_heldout.csv --out data/lm/ink.arpa.gz

Text is normalised with the model's vocabulary (``--model``) so LM words match decoder output,
then each word is lowercased and stripped of the punctuation around it
(:func:`recognizer.lm.lm_word`), as the decoder does before asking the LM.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.data import read_manifest
from recognizer.lm import NGramLM, lm_sentence
from recognizer.model_dir import read_spec
from recognizer.vocab import Vocabulary


def read_sentences(sources: list[str], vocab: Vocabulary) -> list[str]:
    """Normalised sentences from CSV manifests (their transcripts), plain text files (one per
    line), ``fortunes`` (every sentence of Debian's fortunes collection) or ``wordnet`` (WordNet's usage
    examples)."""
    sentences = []
    for source in sources:
        if source == "fortunes":
            from pipelines.text_corpus import fortune_sentences

            lines = fortune_sentences()
        elif source == "wordnet":
            from pipelines.text_corpus import wordnet_examples

            lines = wordnet_examples()
        elif source.endswith(".csv"):
            lines = [u.transcript for u in read_manifest(source)]
        else:
            lines = Path(source).read_text(encoding="utf-8", errors="replace").splitlines()
        sentences += [s for s in (lm_sentence(vocab.normalize(line)) for line in lines) if s]
    return sentences


def containing_any(sentences: list[str], parts: set[str]) -> set[str]:
    """The sentences that hold one of ``parts`` as a run of whole words (validation lines cut
    from longer sentences, as the handwriting corpus makes them)."""
    by_first = {}
    for part in parts:
        words = tuple(part.split())
        by_first.setdefault(words[0], set()).add(words)
    found = set()
    for sentence in sentences:
        words = sentence.split()
        for i, w in enumerate(words):
            if any(tuple(words[i:i + len(p)]) == p for p in by_first.get(w, ())):
                found.add(sentence)
                break
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", help="CSV manifests, text files, 'fortunes' or 'wordnet'")
    parser.add_argument("--out", type=Path, required=True, help="ARPA file (.arpa or .arpa.gz)")
    parser.add_argument("--order", type=int, default=3)
    parser.add_argument("--model", help="model whose vocabulary normalises the text (default: English speech)")
    parser.add_argument("--exclude", nargs="*", default=[],
                        help="sources whose sentences are left out (keep dev/test text out of the LM)")
    parser.add_argument("--exclude-containing", nargs="*", default=[],
                        help="sources of text lines: every sentence holding one of them is left out")
    args = parser.parse_args(argv)
    vocab = read_spec(args.model).vocabulary if args.model else Vocabulary()
    try:
        sentences = read_sentences(args.sources, vocab)
        excluded = set(read_sentences(args.exclude, vocab))
        held_out_lines = set(read_sentences(args.exclude_containing, vocab))
    except OSError as error:  # a missing text source: one line, no traceback
        parser.error(str(error))
    excluded |= containing_any(sentences, held_out_lines)
    sentences = [s for s in sentences if s not in excluded]
    lm = NGramLM.train(sentences, order=args.order)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    lm.save_arpa(args.out)
    print(f"{args.out}: {len(sentences)} sentences, " +
          ", ".join(f"{len(lm.probs[n])} {n}-grams" for n in range(1, lm.order + 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
