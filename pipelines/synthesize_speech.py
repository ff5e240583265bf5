"""Build a synthetic speech corpus (wav files + DeepSpeech CSV manifests) from five synthesizers.

espeak-ng (formant), flite (diphone and unit selection), SVOX Pico (``pico2wave``), RHVoice (HMM)
and MBROLA diphone voices spoken through espeak-ng (``mb-us1`` ...); Debian packages espeak-ng,
flite, libttspico-utils (non-free), rhvoice rhvoice-english, mbrola mbrola-us1 mbrola-us2
mbrola-us3 mbrola-en1 mbrola-af1 mbrola-de1 mbrola-de2 mbrola-de4 mbrola-fr1 mbrola-fr4 mbrola-hu1
mbrola-ro1 mbrola-sw1 mbrola-pl1 (contrib/non-free).  ``--engines espeak flite`` builds the corpora
of earlier releases exactly; ``--exclude-voices`` with ``EARLIER_CORPORA_EXCLUDE`` those built before
RHVoice's Lyubov and Evgeniy (English) and MBROLA's accented English voices joined.

    python -m pipelines.synthesize_speech --out data/speech --count 6000 --seed 0
    python -m pipelines.synthesize_speech --texts pipelines/texts/everyday.txt --voices flite:slt,flite:awb \
        --out data/speech --name everyday          # an evaluation set: every line x every voice

Voices are split into training voices and held-out voices (whole accents / speakers), so
the validation manifest measures generalisation to voices never heard in training.
Festival voices are never used for training: they are reserved for held-out evaluation, and
only ``--texts`` evaluation sets can speak with them (``--voices festival:kal_diphone``;
Debian's festival and festvox-* packages).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from pipelines.data import SPLITS
from pipelines.parallel import parallel_map
from pipelines.text_corpus import split_texts, wordnet_texts
from recognizer.audio import SAMPLE_RATE, resample
from recognizer.vocab import Vocabulary

ESPEAK_ACCENTS = ("en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan",
                  "en-gb-x-gbcwmd", "en-029", "en-us-nyc")
ESPEAK_VARIANTS = ("", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5",
                   "klatt", "klatt2", "klatt3", "klatt4", "adam", "Alex", "Andy", "Annie", "aunty",
                   "belinda", "benjamin", "david", "ed", "edward", "grandma", "grandpa", "john",
                   "linda", "max", "Michael", "paul", "rob", "robert", "steph", "travis", "victor",
                   "zac", "norbert", "shelby", "quincy", "Lee", "Mike")
FLITE_VOICES = ("kal", "kal16", "awb", "rms", "slt")
PICO_VOICES = ("en-US", "en-GB")
RHVOICE_VOICES = ("alan", "bdl", "clb", "slt", "lyubov", "evgeniy-eng")
# English through MBROLA's American and British voices, and (``xx1-en``) through the diphones of speakers of
# other languages: English as an Afrikaans, German, French, Hungarian, Romanian, Swedish or Polish speaker says it
MBROLA_ACCENTED_VOICES = ("af1-en", "de1-en", "de2-en", "de4-en", "fr1-en", "hu1-en", "ro1-en", "sw1-en", "fr4-en",
                          "pl1-en")
MBROLA_VOICES = ("us1", "us2", "us3", "en1", *MBROLA_ACCENTED_VOICES)
ENGINE_VOICES = {"flite": FLITE_VOICES, "pico": PICO_VOICES, "rhvoice": RHVOICE_VOICES, "mbrola": MBROLA_VOICES}
# the voices added in December 2026: leaving them out rebuilds the five-synthesizer corpora made before
EARLIER_CORPORA_EXCLUDE = ("rhvoice:lyubov", "rhvoice:evgeniy-eng", *(f"mbrola:{v}" for v in MBROLA_ACCENTED_VOICES))
ENGINES = ("espeak", *ENGINE_VOICES)  # the synthesizers a training corpus can speak with
# the Debian packages of the festival voices the evaluation sets speak with (never used for training)
FESTIVAL_PACKAGES = {"kal_diphone": "festvox-kallpc16k", "ked_diphone": "festvox-kdlpc16k",
                     "cmu_us_slt_arctic_hts": "festvox-us-slt-hts"}

# flite's mean pitch (Hz) is drawn from these ranges; rms ignores the setting
FLITE_PITCH = {"kal": (80, 150), "kal16": (80, 150), "awb": (80, 150), "rms": (80, 150), "slt": (130, 230)}

HELD_OUT = {"espeak_accents": ("en-029",), "espeak_variants": ("m7", "f4", "shelby"),
            "flite": ("rms",), "pico": ("en-GB",), "rhvoice": ("bdl",),
            "mbrola": ("us2", "fr4-en", "pl1-en")}


@dataclass(frozen=True)
class Voice:
    engine: str  # one of ENGINES, or "festival" (evaluation only)
    name: str  # accent+variant for espeak, the voice's name for the others

    @property
    def held_out(self) -> bool:
        if self.engine == "festival":
            return True
        if self.engine != "espeak":
            return self.name in HELD_OUT[self.engine]
        accent, _, variant = self.name.partition("+")
        return accent in HELD_OUT["espeak_accents"] or variant in HELD_OUT["espeak_variants"]

    @property
    def group(self) -> str:
        return f"{self.engine}:{self.name}"


def all_voices(engines: tuple[str, ...] = ENGINES) -> list[Voice]:
    """Every voice of these synthesizers, held out or not."""
    voices = [Voice("espeak", f"{a}+{v}" if v else a) for a in ESPEAK_ACCENTS for v in ESPEAK_VARIANTS]
    voices = voices if "espeak" in engines else []
    return voices + [Voice(e, v) for e in ENGINE_VOICES if e in engines for v in ENGINE_VOICES[e]]


def _wav_from(command: list[str], stdin: str | None = None) -> tuple[np.ndarray, int]:
    """Run a synthesizer whose command ends with its output-file option; the wav it wrote
    (ValueError with the synthesizer's last words when it wrote none, e.g. an unknown voice)."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        done = subprocess.run([*command, tmp.name], input=stdin.encode() if stdin is not None else None,
                              check=True, capture_output=True)
        if Path(tmp.name).stat().st_size == 0:
            said = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()
            raise ValueError(f"{' '.join(command[:3])} wrote no audio" + (f": {said[-1]}" if said else ""))
        return sf.read(tmp.name, dtype="float32")


def synthesize(voice: Voice, text: str, rng: random.Random) -> np.ndarray:
    """Speak ``text`` with ``voice`` at a random rate, pitch and intonation; 16 kHz mono float32."""
    if voice.engine == "espeak":
        cmd = ["espeak-ng", "-v", voice.name, "-s", str(rng.randint(120, 230)),
               "-p", str(rng.randint(25, 75)), "-g", str(rng.randint(0, 4)), "--stdout", text]
        wav = subprocess.run(cmd, check=True, capture_output=True).stdout
        audio, rate = sf.read(io.BytesIO(wav), dtype="float32")
    elif voice.engine == "festival":  # evaluation sets only, at the voice's own rate and pitch
        try:
            audio, rate = _wav_from(["text2wave", "-eval", f"(voice_{voice.name})", "-o"], stdin=text)
        except ValueError as error:
            package = FESTIVAL_PACKAGES.get(voice.name)
            raise ValueError(f"festival voice {voice.name} did not speak ({error})"
                             + (f"; is Debian's {package} installed?" if package else "")) from None
    elif voice.engine == "pico":  # rate and pitch as Pico's markup, in percent
        marked = f"<speed level='{rng.randint(70, 140)}'><pitch level='{rng.randint(80, 130)}'>{text}</pitch></speed>"
        audio, rate = _wav_from(["pico2wave", "-l", voice.name, "-w"], stdin=marked)
    elif voice.engine == "rhvoice":
        audio, rate = _wav_from(["RHVoice-test", "-p", voice.name, "-r", str(rng.randint(65, 150)),
                                 "-t", str(rng.randint(80, 130)), "-o"], stdin=text)
    elif voice.engine == "mbrola":  # espeak-ng's phonemes and prosody, MBROLA's diphones
        audio, rate = _wav_from(["espeak-ng", "-v", f"mb-{voice.name}", "-s", str(rng.randint(110, 200)),
                                 "-p", str(rng.randint(25, 75)), "--stdin", "-w"], stdin=text)
    else:
        stretch = rng.uniform(0.8, 1.3)
        pitch = rng.uniform(*FLITE_PITCH.get(voice.name, (80, 200)))
        audio, rate = _wav_from(["flite", "-voice", voice.name, "--setf", f"duration_stretch={stretch:.2f}",
                                 "--setf", f"int_f0_target_mean={pitch:.0f}",
                                 "--setf", f"int_f0_target_stddev={rng.uniform(10, 35):.0f}", "-t", text, "-o"])
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    return resample(audio, rate, SAMPLE_RATE)


def _job(args):
    index, voice, text, out_dir, seed = args
    rng = random.Random(seed * 1_000_003 + index)
    path = out_dir / f"{index:06d}.wav"
    if not path.exists():
        audio = synthesize(voice, text, rng)
        peak = float(np.max(np.abs(audio))) if audio.size else 0.0
        audio = audio * (rng.uniform(0.3, 0.95) / peak if peak > 0 else 1.0)
        sf.write(path, audio, SAMPLE_RATE, subtype="PCM_16")
    return path, text, voice.group


def write_manifest(path: Path, rows) -> None:
    """DeepSpeech CSV (wav_filename, wav_filesize, transcript) plus a ``group`` column."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["wav_filename", "wav_filesize", "transcript", "group"])
        for wav, text, group in rows:
            writer.writerow([wav.resolve(), wav.stat().st_size, text, group])


def build_corpus(out: Path, count: int, valid_count: int, seed: int, workers: int = 2,
                 render_seed: int | None = None, only: tuple[str, ...] = SPLITS,
                 engines: tuple[str, ...] = ENGINES, exclude: tuple[Voice, ...] = (), wordnet: int = 0) -> dict:
    """Synthesize train / valid_seen / valid_heldout splits; returns manifest paths.

    ``seed`` chooses the texts and their splits; ``render_seed`` (default: ``seed``) the voices,
    rates and pitches.  The same ``seed`` with another ``render_seed`` speaks the same
    sentences anew, so a second corpus adds fresh audio without leaking validation text.
    ``only`` writes some of the splits, the same files a full run writes (the validation sets
    in minutes, without the training set).  A third of the utterances are flite's, a third
    Pico's, RHVoice's or MBROLA's (any of their voices alike), the rest espeak's; with
    ``engines=("espeak", "flite")`` a third flite and two thirds espeak, as in earlier releases.
    ``exclude`` leaves these voices out (every other draw then follows from the smaller pools).
    ``wordnet`` adds that many of WordNet's usage examples to the training split, after the ``count``
    texts and with their voices drawn last, so every other utterance is the one a run without them makes."""
    normalize = Vocabulary().normalize
    texts = split_texts(normalize, {"train": count, "valid_seen": valid_count, "valid_heldout": valid_count}, seed,
                        held_back=("valid_seen", "valid_heldout"))
    extra = wordnet_texts(normalize, wordnet, seed, exclude=texts["valid_seen"] + texts["valid_heldout"])
    voice_seed = seed if render_seed is None else render_seed
    rng = random.Random(voice_seed)
    unknown = [v.group for v in exclude if v not in all_voices()]
    if unknown:
        raise ValueError(f"cannot exclude {', '.join(unknown)}: not a training or held-out voice")
    voices = [v for v in all_voices(engines) if v not in exclude]

    def pools(held_out: bool) -> tuple[list[Voice], ...]:  # flite, the other three, espeak
        chosen = [v for v in voices if v.held_out == held_out]
        return tuple([v for v in chosen if v.engine in group] for group in
                     (("flite",), ("pico", "rhvoice", "mbrola"), ("espeak",)))

    def pick(flite, others, espeak):
        draw = rng.random()  # one draw, then one choice: the order earlier releases used
        if draw < 1 / 3 and flite:
            return rng.choice(flite)
        if draw < 2 / 3 and others:
            return rng.choice(others)
        return rng.choice(espeak or others or flite)  # whichever the chosen engines have

    train_pools, held_pools = pools(False), pools(True)
    splits = {
        "train": [(t, pick(*train_pools)) for t in texts["train"]],
        "valid_seen": [(t, pick(*train_pools)) for t in texts["valid_seen"]],
        "valid_heldout": [(t, pick(*held_pools)) for t in texts["valid_heldout"]],
    }
    splits["train"] += [(t, pick(*train_pools)) for t in extra]
    manifests = {}
    for name, items in splits.items():
        if name not in only:
            continue
        split_dir = out / name
        split_dir.mkdir(parents=True, exist_ok=True)
        jobs = [(i, voice, text, split_dir, voice_seed) for i, (text, voice) in enumerate(items)]
        rows = parallel_map(_job, jobs, name, workers)
        manifests[name] = out / f"{name}.csv"
        write_manifest(manifests[name], rows)
    return manifests


def parse_voice(text: str) -> Voice:
    """``flite:slt``, ``espeak:en-us+f2``, ``pico:en-GB``, ... or (evaluation sets) ``festival:kal_diphone``."""
    engine, sep, name = text.partition(":")
    if not sep or engine not in (*ENGINES, "festival") or not name:
        raise ValueError(f"voice {text!r} is not ENGINE:NAME with ENGINE one of {', '.join(ENGINES)}, festival")
    return Voice(engine, name)


def speak_all(texts: list[str], voices: list[Voice], out: Path, name: str, seed: int = 0, workers: int = 2) -> Path:
    """Every text spoken by every voice (an evaluation set); returns the manifest path."""
    normalize = Vocabulary().normalize
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    items = [(voice, normalize(t)) for voice in voices for t in texts if normalize(t)]
    jobs = [(i, voice, text, folder, seed) for i, (voice, text) in enumerate(items)]
    manifest = out / f"{name}.csv"
    write_manifest(manifest, parallel_map(_job, jobs, name, workers))
    return manifest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("data/speech"))
    parser.add_argument("--count", type=int, default=6000, help="training utterances")
    parser.add_argument("--valid-count", type=int, default=300, help="utterances per validation split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--render-seed", type=int, help="voices, rates and pitches (default: --seed); the "
                        "sentences and splits stay those of --seed")
    parser.add_argument("--splits", nargs="+", choices=SPLITS, default=SPLITS,
                        help="write only these splits (the same files as a full run)")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=ENGINES,
                        help="synthesizers of the corpus (espeak flite: the corpora of earlier releases)")
    parser.add_argument("--exclude-voices", default="", metavar="VOICES",
                        help="leave these voices out of the corpus (comma-separated engine:name); 'earlier': "
                        "the voices added in December 2026 (the five-synthesizer corpora built before then)")
    parser.add_argument("--wordnet", type=int, default=0, metavar="N",
                        help="add N of WordNet's everyday usage examples to the training split (Debian "
                        "wordnet-base); the other utterances stay those of a run without them")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--texts", type=Path, help="instead of a corpus: speak each line of this file ...")
    parser.add_argument("--voices", default="flite:kal,flite:kal16,flite:awb,flite:rms,flite:slt",
                        help="... with each of these voices (comma-separated engine:name)")
    parser.add_argument("--name", default="eval", help="... into OUT/NAME/ and OUT/NAME.csv")
    args = parser.parse_args(argv)
    if args.texts:
        texts = args.texts.read_text().splitlines()
        try:
            voices = [parse_voice(v) for v in args.voices.split(",") if v]
            print(speak_all(texts, voices, args.out, args.name, args.seed, args.workers))
        except (OSError, ValueError) as error:
            parser.error(str(error))
        return 0
    try:
        names = EARLIER_CORPORA_EXCLUDE if args.exclude_voices == "earlier" else args.exclude_voices.split(",")
        exclude = tuple(parse_voice(v) for v in names if v)
        manifests = build_corpus(args.out, args.count, args.valid_count, args.seed, args.workers,
                                 args.render_seed, tuple(args.splits), tuple(args.engines), exclude, args.wordnet)
    except (OSError, ValueError) as error:
        parser.error(str(error))
    for name, path in manifests.items():
        print(f"{name}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
