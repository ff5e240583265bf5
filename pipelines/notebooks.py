"""Run the notebooks in ``notebooks/`` (nbclient) and the switches they read.

    python -m pipelines.notebooks                      # run every notebook, outputs saved in place
    python -m pipelines.notebooks --smoke notebooks/02_train_speech.ipynb --out /tmp/nb

Each notebook runs in a fresh Python kernel whose working directory is the notebook's folder
(or ``--out``), with this checkout first on ``PYTHONPATH`` so the kernel imports these
packages.  ``--smoke`` sets ``RECOGNIZER_SMOKE=1``: the notebooks then build tiny corpora and
train for one short epoch, which is how the test suite checks that every cell runs.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
SMOKE_VARIABLE = "RECOGNIZER_SMOKE"


def smoke_mode() -> bool:
    """True when ``RECOGNIZER_SMOKE`` is set to anything but ``""``/``0``: notebooks shrink
    their data and epochs to run in seconds."""
    return os.environ.get(SMOKE_VARIABLE, "").strip() not in ("", "0")


def sized(full, smoke):
    """``smoke`` in smoke mode, else ``full`` (for corpus sizes, epochs and the like)."""
    return smoke if smoke_mode() else full


def notebooks() -> list[Path]:
    """The repository's notebooks in reading order."""
    return sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


@contextlib.contextmanager
def _environment(**values):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if v is not None})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_notebook(path: str | Path, out: str | Path | None = None, smoke: bool = False,
                 workdir: str | Path | None = None, timeout: int = 1800):
    """Execute every cell of the notebook ``path`` and write it with its outputs to ``out``
    (a file or folder; default: ``path`` itself).  The kernel starts in ``workdir`` (default:
    the folder written to).  Raises ``nbclient.exceptions.CellExecutionError`` on the first
    failing cell.  Returns the executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    out = Path(out) if out is not None else path
    if out.is_dir() or (out.suffix != ".ipynb" and not out.exists()):
        out.mkdir(parents=True, exist_ok=True)
        out = out / path.name
    workdir = Path(workdir) if workdir is not None else out.parent
    notebook = nbformat.read(path, as_version=4)
    python_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(workdir)}})
    with _environment(PYTHONPATH=python_path, TF_CPP_MIN_LOG_LEVEL="3",
                      **{SMOKE_VARIABLE: "1" if smoke else "0"}):
        try:
            client.execute()
        finally:
            nbformat.write(notebook, out)
    return notebook


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/*.ipynb")
    parser.add_argument("--smoke", action="store_true", help="tiny data and epochs (RECOGNIZER_SMOKE=1)")
    parser.add_argument("--out", type=Path, help="folder for the executed copies (default: in place)")
    args = parser.parse_args(argv)
    failed = 0
    for path in args.notebooks or notebooks():
        started = time.time()
        try:
            run_notebook(path, args.out, smoke=args.smoke)
            print(f"{path}: ok ({time.time() - started:.0f} s)", flush=True)
        except Exception as error:  # report every notebook, then fail
            failed += 1
            print(f"{path}: FAILED ({type(error).__name__}: {str(error).strip().splitlines()[-1][:300]})",
                  file=sys.stderr, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
