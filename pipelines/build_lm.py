"""Build a word n-gram language model (ARPA) from manifests' transcripts or text files.

    python -m pipelines.build_lm data/speech/train.csv --out saved_models/speech-en/lm.arpa.gz --order 3

Text is normalised with the model's vocabulary (``--model``) so LM words match decoder output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.data import read_manifest
from recognizer.lm import NGramLM
from recognizer.model_dir import read_spec
from recognizer.vocab import Vocabulary


def read_sentences(sources: list[str], vocab: Vocabulary) -> list[str]:
    """Normalised sentences from CSV manifests (their transcripts) or plain text files (one per line)."""
    sentences = []
    for source in sources:
        if source.endswith(".csv"):
            lines = [u.transcript for u in read_manifest(source)]
        else:
            lines = Path(source).read_text(encoding="utf-8", errors="replace").splitlines()
        sentences += [s for s in (vocab.normalize(line) for line in lines) if s]
    return sentences


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", help="CSV manifests or text files")
    parser.add_argument("--out", type=Path, required=True, help="ARPA file (.arpa or .arpa.gz)")
    parser.add_argument("--order", type=int, default=3)
    parser.add_argument("--model", help="model whose vocabulary normalises the text (default: English speech)")
    args = parser.parse_args(argv)
    vocab = read_spec(args.model).vocabulary if args.model else Vocabulary()
    sentences = read_sentences(args.sources, vocab)
    lm = NGramLM.train(sentences, order=args.order)
    lm.save_arpa(args.out)
    print(f"{args.out}: {len(sentences)} sentences, " +
          ", ".join(f"{len(lm.probs[n])} {n}-grams" for n in range(1, lm.order + 1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
