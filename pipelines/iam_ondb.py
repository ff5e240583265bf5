"""A manifest for the IAM On-Line Handwriting Database (IAM-OnDB), to train or evaluate on it.

    python -m pipelines.iam_ondb data/IAM-OnDB --out data/IAM-OnDB/lines.csv

IAM-OnDB is free for research after registration, so it is not downloaded here. Unpack
``lineStrokes-all.tar.gz`` and ``ascii-all.tar.gz`` into one folder::

    ROOT/lineStrokes/a01/a01-000/a01-000u-01.xml     pen strokes of text line 1 of form a01-000u
    ROOT/ascii/a01/a01-000/a01-000u.txt              the form's text; the lines after "CSR:"

Line N of a form's ``CSR:`` section is the transcript of ``<form>-NN.xml``.  The manifest
(``ink_filename,transcript,group``, the group being the form's writer-set prefix such as
``a01``) is a data source for ``pipelines.train`` and ``pipelines.evaluate`` like any other.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipelines.data import write_ink_manifest


def form_lines(text_file: Path) -> list[str]:
    """The non-empty lines after ``CSR:`` of an IAM-OnDB ascii file (empty if it has none)."""
    lines = [line.strip() for line in text_file.read_text(encoding="latin-1").splitlines()]
    if "CSR:" not in lines:
        return []
    return [line for line in lines[lines.index("CSR:") + 1:] if line]


def write_manifest(root: str | Path, out: str | Path) -> Path:
    """Pair every ``lineStrokes`` file with its transcript; returns the manifest path."""
    root, out = Path(root), Path(out)
    rows = []
    for text_file in sorted((root / "ascii").rglob("*.txt")):
        folder = root / "lineStrokes" / text_file.parent.relative_to(root / "ascii")
        for number, text in enumerate(form_lines(text_file), 1):
            strokes = folder / f"{text_file.stem}-{number:02d}.xml"
            if strokes.exists():
                rows.append([strokes.resolve(), text, text_file.stem.split("-")[0]])
    if not rows:
        raise ValueError(f"{root}: no lineStrokes/**/*.xml with a transcript in ascii/**/*.txt")
    return write_ink_manifest(out, rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", type=Path, help="folder holding lineStrokes/ and ascii/")
    parser.add_argument("--out", type=Path, help="manifest to write (default: ROOT/lines.csv)")
    args = parser.parse_args(argv)
    try:
        print(write_manifest(args.root, args.out or args.root / "lines.csv"))
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
