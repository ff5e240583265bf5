"""Real recorded speech for evaluation: the voice prompts of the Asterisk PBX.

    python -m pipelines.asterisk_prompts --out data/real      # writes data/real/asterisk.csv

Debian's ``asterisk-core-sounds-en-wav`` holds some 560 prompts recorded by one professional
speaker (Allison Smith, US English, 8 kHz telephone band, CC BY-SA 3.0): sentences ("Your call
cannot be completed as dialed"), phrases, numbers, letters and the phonetic alphabet;
``asterisk-core-sounds-en`` holds their transcripts (``core-sounds-en.txt.gz``). The manifest
points at the wav files where Debian installs them; its groups are the prompt folders
(``asterisk:main``, ``asterisk:digits``, ...). Prompts that are tones or silence (transcripts in
brackets or parentheses) are left out; ``*`` and ``#`` are read as "star" and "pound", as the speaker says them.
Nothing of it is used for training: it measures how a model trained on synthetic voices reads a
human one.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

SOUNDS = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
_KEYS = {"*": " star ", "#": " pound "}


def read_transcripts(path: Path) -> dict[str, str]:
    """``name: text`` lines (``;`` comments and blank lines skipped) as {name: text}."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    prompts = {}
    for line in lines:
        name, sep, text = line.partition(": ")
        if sep and name.strip() and not line.startswith(";"):
            prompts[name.strip()] = text.strip()
    return prompts


def spoken_text(text: str) -> str | None:
    """What the speaker says: None for a description of a tone or silence (in brackets or parentheses)."""
    if not text or re.fullmatch(r"\[.*\]|\(.*\)", text):
        return None
    return re.sub(r"[*#]", lambda m: _KEYS[m.group()], text)


def prompt_rows(sounds: Path, transcripts: Path, normalize) -> list[tuple[Path, str, str]]:
    """(wav, normalised transcript, group) of every spoken prompt whose recording is there."""
    rows = []
    for name, text in sorted(read_transcripts(transcripts).items()):
        wav = sounds / f"{name}.wav"
        spoken = spoken_text(text)
        transcript = normalize(spoken) if spoken else ""
        if transcript and wav.exists():
            folder = name.rpartition("/")[0] or "main"
            rows.append((wav, transcript, f"asterisk:{folder}"))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("data/real"))
    parser.add_argument("--sounds", type=Path, default=SOUNDS, help="the prompts' wav folder")
    parser.add_argument("--transcripts", type=Path, default=TRANSCRIPTS, help="core-sounds-en.txt(.gz)")
    args = parser.parse_args(argv)
    for path, package in ((args.sounds, "asterisk-core-sounds-en-wav"), (args.transcripts, "asterisk-core-sounds-en")):
        if not path.exists():
            parser.error(f"{path} does not exist (Debian package {package})")
    from pipelines.synthesize_speech import write_manifest
    from recognizer.vocab import Vocabulary

    rows = prompt_rows(args.sounds, args.transcripts, Vocabulary().normalize)
    if not rows:
        parser.error(f"no prompt of {args.transcripts} has a recording in {args.sounds}")
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = args.out / "asterisk.csv"
    write_manifest(manifest, rows)
    print(f"{manifest}: {len(rows)} prompts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
