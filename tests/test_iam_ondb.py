import pytest

from pipelines.data import read_manifest
from pipelines.iam_ondb import write_manifest
from recognizer.ink import load_ink

STROKES = """<?xml version="1.0" encoding="ISO-8859-1"?>
<WhiteboardCaptureSession><StrokeSet>
<Stroke colour="black" start_time="1.0" end_time="1.1">
<Point x="10" y="20" time="1.0"/><Point x="12" y="25" time="1.05"/></Stroke>
</StrokeSet></WhiteboardCaptureSession>
"""
ASCII = "Name: a01-000u\n\nOCR:\n\nA MOVE to stop\nMr. Gaitskell\n\nCSR:\n\nA MOVE to stop\nMr. Gaitskell from\n"


def test_manifest_pairs_line_strokes_with_csr_lines(tmp_path):
    (tmp_path / "ascii/a01/a01-000").mkdir(parents=True)
    (tmp_path / "ascii/a01/a01-000/a01-000u.txt").write_text(ASCII)
    (tmp_path / "lineStrokes/a01/a01-000").mkdir(parents=True)
    for n in (1, 2):
        (tmp_path / f"lineStrokes/a01/a01-000/a01-000u-0{n}.xml").write_text(STROKES)
    rows = read_manifest(write_manifest(tmp_path, tmp_path / "lines.csv"))
    assert [(r.transcript, r.group) for r in rows] == [("A MOVE to stop", "a01"), ("Mr. Gaitskell from", "a01")]
    assert rows[1].path.endswith("a01-000u-02.xml") and len(load_ink(rows[0].path).strokes) == 1
    with pytest.raises(ValueError, match="no lineStrokes"):
        write_manifest(tmp_path / "ascii", tmp_path / "x.csv")
