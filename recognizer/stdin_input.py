"""``-`` as an input file: what is piped into standard input (audio or ink), read once.

The bytes are kept in a temporary file whose suffix says what they hold, so the usual
readers take them: ``.xml`` for ink XML (InkML or IAM-OnDB, told apart by the root
element), ``.json`` for JSON ink, and ``.audio`` otherwise (libsndfile and ffmpeg find the
audio format from the content).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

STDIN = "-"


def suffix_for(head: bytes) -> str:
    """The suffix that sends content starting with ``head`` to its reader."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return {b"<": ".xml", b"{": ".json", b"[": ".json"}.get(first, ".audio")


class StandardInput:
    """Reads ``stream`` (binary) on first use into a temporary file; removes it on ``close``."""

    def __init__(self, stream):
        self.stream = stream
        self.folder: tempfile.TemporaryDirectory | None = None

    def path(self) -> Path:
        """The file holding standard input; a ValueError for a second use, a terminal or no bytes."""
        if self.folder is not None:
            raise ValueError("standard input can be read only once")
        self.folder = tempfile.TemporaryDirectory(prefix="recognizer-stdin-")
        if self.stream is None or self.stream.isatty():
            raise ValueError("standard input is a terminal or closed: pipe audio or ink into it")
        head = self.stream.read(64)
        if not head:
            raise ValueError("empty standard input")
        path = Path(self.folder.name) / f"stdin{suffix_for(head)}"
        with path.open("wb") as file:  # copied in blocks: an hour of audio is never in memory at once
            file.write(head)
            shutil.copyfileobj(self.stream, file)
        return path

    def close(self) -> None:
        if self.folder is not None:
            self.folder.cleanup()

    def __enter__(self) -> "StandardInput":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
