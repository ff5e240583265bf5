"""Where training and evaluation examples come from: CSV manifests, folders, tensorflow-datasets.

A data source is a string:

- ``path/to/manifest.csv``: DeepSpeech CSV (``wav_filename,wav_filesize,transcript``) or its ink
  twin (``ink_filename,transcript``), with an optional ``group`` column;
- ``path/to/folder``: audio or ink files, each with a same-named ``.txt`` transcript beside it
  (searched recursively);
- ``tfds:NAME[/CONFIG]:SPLIT`` (e.g. ``tfds:librispeech:train_clean100``, ``tfds:ljspeech:train``,
  ``tfds:speech_commands:train``): a tensorflow-datasets set, prepared from ``data_dir`` /
  ``manual_dir`` as tfds does, exported once to wav files plus a manifest in the cache.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np

from pipelines.data import Utterance, read_manifest
from recognizer.ink import INK_SUFFIXES

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".m4a", ".opus")
TFDS_FIELDS = {  # dataset -> (audio feature, transcript feature, group feature)
    "librispeech": ("speech", "text", "speaker_id"),
    "ljspeech": ("speech", "text_normalized", None),
    "speech_commands": ("audio", "label", None),
}


def read_folder(folder: str | Path) -> list[Utterance]:
    """Audio/ink files with a same-stem ``.txt`` transcript; files without one are skipped."""
    folder = Path(folder)
    items = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in AUDIO_SUFFIXES + INK_SUFFIXES:
            continue
        transcript = path.with_suffix(".txt")
        if transcript.exists():
            group = str(path.parent.relative_to(folder)) if path.parent != folder else ""
            items.append(Utterance(str(path), transcript.read_text(encoding="utf-8").strip(), group))
    if not items:
        raise ValueError(f"{folder}: no audio or ink files with a .txt transcript beside them")
    return items


def export_tfds(name: str, split: str, out: Path, data_dir: str | None = None,
                manual_dir: str | None = None) -> Path:
    """Write a tfds speech split as 16-bit wav files + manifest (once); returns the manifest."""
    import soundfile as sf
    import tensorflow_datasets as tfds

    base = name.split("/")[0]
    if base not in TFDS_FIELDS:
        raise ValueError(f"tfds:{name}: unsupported (known: {', '.join(TFDS_FIELDS)})")
    manifest = out / f"{name.replace('/', '_')}-{split}.csv"
    if manifest.exists():
        return manifest
    audio_key, text_key, group_key = TFDS_FIELDS[base]
    config = tfds.download.DownloadConfig(manual_dir=manual_dir) if manual_dir else None
    builder = tfds.builder(name, data_dir=data_dir)
    builder.download_and_prepare(download_config=config)
    rate = int(getattr(builder.info.features[audio_key], "sample_rate", None) or 16000)
    label_names = getattr(builder.info.features[text_key], "names", None)
    folder = out / f"{name.replace('/', '_')}-{split}"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, example in enumerate(tfds.as_numpy(builder.as_dataset(split=split))):
        text = example[text_key]
        text = label_names[int(text)] if label_names else text.decode("utf-8")
        if label_names and text.startswith("_"):  # speech_commands' _silence_ / _unknown_
            continue
        path = folder / f"{i:07d}.wav"
        sf.write(path, np.asarray(example[audio_key]), rate, subtype="PCM_16")
        group = str(example[group_key]) if group_key else ""
        rows.append([path.resolve(), path.stat().st_size, text, group])
        if (i + 1) % 1000 == 0:
            print(f"tfds:{name}:{split}: {i + 1} exported", file=sys.stderr, flush=True)
    tmp = manifest.with_suffix(".tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["wav_filename", "wav_filesize", "transcript", "group"])
        writer.writerows(rows)
    tmp.rename(manifest)
    return manifest


def load_source(spec: str, cache_dir: str | Path = "data/cache", data_dir: str | None = None,
                manual_dir: str | None = None) -> list[Utterance]:
    """The examples of one data source string (see the module docstring)."""
    if spec.startswith("tfds:"):
        parts = spec.split(":")
        if len(parts) != 3 or not all(parts[1:]):
            raise ValueError(f"{spec!r}: expected tfds:NAME[/CONFIG]:SPLIT")
        return read_manifest(export_tfds(parts[1], parts[2], Path(cache_dir) / "tfds", data_dir, manual_dir))
    path = Path(spec)
    if path.is_dir():
        return read_folder(path)
    if not path.exists():
        raise ValueError(f"{spec}: no such manifest, folder or tfds source")
    return read_manifest(path)
