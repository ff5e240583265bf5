"""Choose the language-model weight and word bonus of a model's beam search on a dev set.

    python -m pipelines.tune_decoder --model saved_models/speech-en --lm saved_models/speech-en/lm.arpa.gz \
        data/speech/valid_seen.csv [--write]

Logits are computed once per utterance; every (weight, bonus) pair then only re-decodes.
With ``--write`` the best setting is stored in the model's metadata (``decoder``), which
``Recognizer.load`` uses whenever the directory ships ``lm.arpa.gz``.  Tune on data that is
not also your final test set.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

from pipelines.sources import load_source
from pipelines.metrics import error_rates
from recognizer.ctc import beam_decode
from recognizer.frontend import compute_features, load_input
from recognizer.lm import LMScorer, NGramLM
from recognizer.model_dir import METADATA_FILE, resolve_model_path
from recognizer.quiet import import_tensorflow_quietly


def utterance_logits(recognizer, utterances) -> list:
    return [recognizer.logits(compute_features(recognizer.modality, load_input(recognizer.modality, u.path),
                                               recognizer.features)) for u in utterances]


def grid_search(logits, references, alphabet, lm, weights, bonuses, beam_width=16, penalties=(0.0,),
                progress=sys.stderr) -> list:
    """[(wer, cer, weight, bonus, oov_penalty)] for every combination, best first."""
    results = []
    for weight, bonus, penalty in itertools.product(weights, bonuses, penalties):
        scorer = LMScorer(lm, alphabet, weight, bonus, oov_penalty=penalty)
        hyps = []
        for row in logits:
            labels = beam_decode(row, beam_width, scorer=scorer).labels
            hyps.append("".join(alphabet[k - 1] for k in labels).strip())
        wer, cer = error_rates(references, [" ".join(h.split()) for h in hyps])
        results.append((wer, cer, weight, bonus, penalty))
        if progress:
            print(f"lm_weight {weight:.2f} word_bonus {bonus:.2f} oov_penalty {penalty:.1f}: "
                  f"WER {wer:.4f} CER {cer:.4f}", file=progress, flush=True)
    return sorted(results)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sources", nargs="+", help="dev data sources (manifests, folders, tfds:NAME:SPLIT)")
    parser.add_argument("--model", required=True)
    parser.add_argument("--lm", type=Path, required=True)
    parser.add_argument("--weights", default="0.2,0.4,0.7,1.0")
    parser.add_argument("--bonuses", default="0,1,2,3")
    parser.add_argument("--penalties", default="0,-3,-6", help="OOV partial-word penalties")
    parser.add_argument("--beam-width", type=int, default=16)
    parser.add_argument("--limit", type=int, default=300, help="dev utterances used")
    parser.add_argument("--write", action="store_true", help="store the best setting in the model's metadata")
    args = parser.parse_args(argv)
    import_tensorflow_quietly()
    from recognizer.recognizer import Recognizer

    recognizer = Recognizer.load(args.model, lm=None, runner="keras")  # logits of feature frames
    utterances = [u for s in args.sources for u in load_source(s)][: args.limit]
    references = [recognizer.vocab.normalize(u.transcript) for u in utterances]
    logits = utterance_logits(recognizer, utterances)
    lm = NGramLM.load_arpa(args.lm)
    weights = [float(w) for w in args.weights.split(",")]
    bonuses = [float(b) for b in args.bonuses.split(",")]
    penalties = [float(p) for p in args.penalties.split(",")]
    wer, cer, weight, bonus, penalty = grid_search(logits, references, recognizer.vocab.alphabet, lm, weights,
                                                   bonuses, args.beam_width, penalties)[0]
    print(f"best: lm_weight {weight} word_bonus {bonus} oov_penalty {penalty} -> WER {wer:.4f} CER {cer:.4f} "
          f"on {len(utterances)} utterances")
    if args.write:
        path = resolve_model_path(args.model) / METADATA_FILE
        metadata = json.loads(path.read_text()) if path.exists() else {}
        metadata["decoder"] = {"beam_width": args.beam_width, "lm_weight": weight, "word_bonus": bonus,
                               "oov_penalty": penalty,
                               "tuned_on": list(args.sources), "dev_wer": round(wer, 4), "dev_cer": round(cer, 4)}
        path.write_text(json.dumps(metadata, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
