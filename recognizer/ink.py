"""Online handwriting: the :class:`Ink` type and readers/writers for InkML, IAM-OnDB XML and JSON.

Coordinates are kept as the device reported them (any unit, any offset, y growing
downward); normalisation happens in :mod:`recognizer.ink_features`.  XML is parsed with
defusedxml, so entity-expansion bombs and external entities are refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import orjson  # parses ink number lists about 4 times faster than json

INK_SUFFIXES = (".inkml", ".xml", ".json")
INKML_NS = "http://www.w3.org/2003/InkML"


class InkError(ValueError):
    """An ink file that cannot be used (the message names the problem)."""


@dataclass
class Ink:
    """Pen strokes: each an ``(n, 3)`` float array of x, y, t (t is NaN when unknown)."""

    strokes: list[np.ndarray]
    text: str | None = None
    metadata: dict = field(default_factory=dict)

    def __post_init__(self):
        cleaned = []
        for stroke in self.strokes:
            stroke = np.asarray(stroke, dtype=np.float64)
            if stroke.ndim != 2 or stroke.shape[1] not in (2, 3):
                raise InkError(f"a stroke must be (n, 2) or (n, 3), got shape {stroke.shape}")
            if stroke.shape[1] == 2:
                stroke = np.concatenate([stroke, np.full((len(stroke), 1), np.nan)], axis=1)
            if len(stroke):
                if not np.isfinite(stroke[:, :2]).all():
                    raise InkError("stroke coordinates contain NaN or infinite values")
                cleaned.append(stroke)
        if not cleaned:
            raise InkError("no pen strokes")
        self.strokes = cleaned

    @property
    def num_points(self) -> int:
        return sum(len(s) for s in self.strokes)

    def points(self) -> np.ndarray:
        """All points ``(N, 3)`` in writing order."""
        return np.concatenate(self.strokes)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(path: Path):
    import defusedxml.ElementTree as ET
    from defusedxml import DefusedXmlException

    try:
        return ET.parse(str(path)).getroot()
    except DefusedXmlException as error:
        raise InkError(f"refused unsafe XML ({type(error).__name__})") from None
    except ET.ParseError as error:
        raise InkError(f"malformed XML ({error})") from None


def _inkml_channels(root) -> list[str]:
    for element in root.iter():
        if _local(element.tag) == "traceFormat":
            names = [c.get("name", "").upper() for c in element if _local(c.tag) == "channel"]
            if names:
                return names
    return ["X", "Y"]


def _parse_inkml_trace(text: str, channels: list[str]) -> np.ndarray:
    """One ``<trace>``: comma-separated points; values may carry InkML's difference
    prefixes (``!`` explicit, ``'`` first difference, ``"`` second difference)."""
    points, velocity, previous, mode = [], None, None, ["!"] * len(channels)
    for chunk in text.replace("\n", " ").split(","):
        tokens = chunk.replace("!", " ! ").replace("'", " ' ").replace('"', ' " ').split()
        if not tokens:
            continue
        values, i = [], 0
        for token in tokens:
            if token in ("!", "'", '"'):
                mode[i] = token
                continue
            if i >= len(channels):
                raise InkError(f"a trace point has more values than the {len(channels)} channels")
            try:
                value = float(token)
            except ValueError:
                raise InkError(f"bad number {token!r} in a trace") from None
            if mode[i] == "'" and previous is not None:
                value = previous[i] + value
            elif mode[i] == '"' and previous is not None and velocity is not None:
                value = previous[i] + velocity[i] + value
            values.append(value)
            i += 1
        if len(values) < 2:
            raise InkError("a trace point has fewer than 2 values")
        values += [math.nan] * (len(channels) - len(values))
        if previous is not None:
            velocity = [v - p for v, p in zip(values, previous)]
        previous = values
        points.append(values)
    data = np.array(points, dtype=np.float64).reshape(-1, len(channels))
    index = {name: k for k, name in enumerate(channels)}
    if "X" not in index or "Y" not in index:
        raise InkError(f"traceFormat has no X and Y channels ({channels})")
    t = data[:, index["T"]] if "T" in index else np.full(len(data), np.nan)
    return np.stack([data[:, index["X"]], data[:, index["Y"]], t], axis=1)


def read_inkml(path: str | Path) -> Ink:
    """W3C InkML: ``<trace>`` elements (in ``<traceGroup>`` or not), the ``<traceFormat>``
    channels, and the transcript from ``<annotation type="truth">``."""
    root = _parse_xml(Path(path))
    if _local(root.tag) != "ink":
        raise InkError(f"not InkML (root element <{_local(root.tag)}>)")
    channels = _inkml_channels(root)
    strokes = [_parse_inkml_trace(el.text or "", channels) for el in root.iter() if _local(el.tag) == "trace"]
    text = None
    for element in root.iter():  # the first document-level truth annotation wins
        if _local(element.tag) == "annotation" and element.get("type") in ("truth", "transcription"):
            text = (element.text or "").strip()
            break
    if not strokes:
        raise InkError("no <trace> elements")
    return Ink(strokes, text, {"format": "inkml"})


def read_iam(path: str | Path) -> Ink:
    """IAM-OnDB line strokes: ``StrokeSet/Stroke/Point`` with x, y, time attributes."""
    root = _parse_xml(Path(path))
    strokes = []
    for stroke in root.iter():
        if _local(stroke.tag) != "Stroke":
            continue
        points = []
        for point in stroke:
            if _local(point.tag) != "Point":
                continue
            try:
                points.append([float(point.get("x")), float(point.get("y")), float(point.get("time", "nan"))])
            except (TypeError, ValueError):
                raise InkError("a <Point> lacks numeric x and y attributes") from None
        strokes.append(np.array(points, dtype=np.float64).reshape(-1, 3))
    if not any(len(s) for s in strokes):
        raise InkError("no StrokeSet/Stroke/Point data (not an IAM-OnDB stroke file?)")
    text = None
    for element in root.iter():
        if _local(element.tag) == "TextLine" and element.get("text"):
            text = element.get("text")
            break
    return Ink(strokes, text, {"format": "iam"})


def read_json(path: str | Path) -> Ink:
    """JSON: ``{"strokes": [[[x...], [y...], [t...]], ...], "text": "..."}`` (QuickDraw style;
    the t list is optional); a bare list of strokes is accepted too."""
    try:
        data = orjson.loads(Path(path).read_bytes())
    except orjson.JSONDecodeError as error:  # also invalid UTF-8
        raise InkError(f"invalid JSON ({error})") from None
    raw = data.get("strokes", data.get("drawing")) if isinstance(data, dict) else data
    if not isinstance(raw, list):
        raise InkError("JSON has no 'strokes' list")
    strokes = []
    for stroke in raw:
        try:
            channels = np.asarray(stroke, dtype=np.float64)  # (2 or 3, n): one conversion per stroke
        except (TypeError, ValueError):
            channels = None
        if channels is None or channels.ndim != 2 or len(channels) not in (2, 3):
            raise InkError("each stroke needs equally long [x], [y] and optional [t] lists of numbers")
        strokes.append(channels.T)
    text = data.get("text") if isinstance(data, dict) else None
    return Ink(strokes, text, {"format": "json"})


def load_ink(path: str | Path) -> Ink:
    """Read an ink file, choosing the reader from the suffix (and root element for .xml)."""
    path = Path(path)
    if not path.exists():
        raise InkError("file not found")
    if path.is_dir():
        raise InkError("is a directory, not an ink file")
    if path.stat().st_size == 0:
        raise InkError("empty file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return read_json(path)
    if suffix == ".inkml":
        return read_inkml(path)
    if suffix == ".xml":
        root = _parse_xml(path)
        return read_inkml(path) if _local(root.tag) == "ink" else read_iam(path)
    raise InkError(f"unsupported ink file type {suffix!r} (use {', '.join(INK_SUFFIXES)})")


def _format_number(value: float) -> str:
    return f"{value:.6g}"


def write_inkml(ink: Ink, path: str | Path) -> None:
    """InkML with X, Y and (when known) T channels and a truth annotation."""
    has_time = all(np.isfinite(s[:, 2]).all() for s in ink.strokes)
    channels = ["X", "Y", "T"] if has_time else ["X", "Y"]
    lines = [f'<ink xmlns="{INKML_NS}">', "  <traceFormat>"]
    lines += [f'    <channel name="{c}" type="decimal"/>' for c in channels]
    lines.append("  </traceFormat>")
    if ink.text is not None:
        from xml.sax.saxutils import escape

        lines.append(f'  <annotation type="truth">{escape(ink.text)}</annotation>')
    for stroke in ink.strokes:
        cols = stroke[:, : len(channels)]
        lines.append("  <trace>" + ", ".join(" ".join(map(_format_number, p)) for p in cols) + "</trace>")
    lines.append("</ink>")
    Path(path).write_text("\n".join(lines) + "\n")


def write_json(ink: Ink, path: str | Path) -> None:
    """The JSON format :func:`read_json` reads (values to 6 significant digits, as in InkML)."""
    strokes = []
    for stroke in ink.strokes:
        columns = [0, 1, 2] if np.isfinite(stroke[:, 2]).all() else [0, 1]
        strokes.append([[float(_format_number(v)) for v in stroke[:, c]] for c in columns])
    Path(path).write_text(json.dumps({"text": ink.text, "strokes": strokes}) + "\n")
