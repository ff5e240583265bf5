import json

import numpy as np
import pytest

from recognizer.ink import Ink, InkError, load_ink, write_inkml, write_json

INKML = """<?xml version="1.0" encoding="UTF-8"?>
<ink xmlns="http://www.w3.org/2003/InkML">
  <traceFormat><channel name="X" type="decimal"/><channel name="Y" type="decimal"/>
    <channel name="T" type="integer"/></traceFormat>
  <annotation type="truth">Hi 2</annotation>
  <traceGroup>
    <trace>10 20 0, 10 30 10, 10 40 20</trace>
    <trace>20 20 30, 25 25 40</trace>
  </traceGroup>
  <trace>40 40 50, '5 '0 '10, 0 0 10</trace>
</ink>"""

IAM = """<?xml version="1.0" encoding="ISO-8859-1"?>
<WhiteboardCaptureSession>
  <Transcription><TextLine text="A MOVE to stop"/></Transcription>
  <StrokeSet>
    <Stroke colour="black" start_time="0.1" end_time="0.3">
      <Point x="1073" y="1058" time="1209.13"/><Point x="1072" y="1085" time="1209.14"/>
    </Stroke>
    <Stroke colour="black" start_time="0.4" end_time="0.5"><Point x="1100" y="1070" time="1209.2"/></Stroke>
  </StrokeSet>
</WhiteboardCaptureSession>"""

BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ink xmlns="http://www.w3.org/2003/InkML"><annotation type="truth">&lol3;</annotation><trace>1 2, 3 4</trace></ink>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE ink [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<ink xmlns="http://www.w3.org/2003/InkML"><annotation type="truth">&secret;</annotation><trace>1 2, 3 4</trace></ink>"""


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content)
    return path


def test_inkml_reader_channels_groups_and_differences(tmp_path):
    ink = load_ink(write(tmp_path, "a.inkml", INKML))
    assert ink.text == "Hi 2" and len(ink.strokes) == 3
    assert ink.strokes[0].tolist() == [[10, 20, 0], [10, 30, 10], [10, 40, 20]]
    # "'" switches X, Y and T to first differences, which persist for the next point
    assert ink.strokes[2].tolist() == [[40, 40, 50], [45, 40, 60], [45, 40, 70]]


def test_iam_reader(tmp_path):
    ink = load_ink(write(tmp_path, "a01-000u-01.xml", IAM))
    assert ink.text == "A MOVE to stop" and [len(s) for s in ink.strokes] == [2, 1]
    assert ink.strokes[0][1].tolist() == [1072, 1085, 1209.14]


def test_json_reader_with_and_without_time(tmp_path):
    data = {"text": "ok", "strokes": [[[0, 1, 2], [0, 1, 0], [0, 5, 9]], [[3, 4], [3, 3]]]}
    ink = load_ink(write(tmp_path, "a.json", json.dumps(data)))
    assert ink.text == "ok" and ink.strokes[0][:, 2].tolist() == [0, 5, 9]
    assert np.isnan(ink.strokes[1][:, 2]).all()


@pytest.mark.parametrize("writer,suffix", [(write_inkml, ".inkml"), (write_json, ".json")])
def test_writers_round_trip(tmp_path, writer, suffix):
    ink = Ink([np.array([[0.5, 1.0, 0.0], [2.0, 3.25, 10.0]]), np.array([[4.0, 5.0, 20.0]])], "a <b> & c")
    path = tmp_path / f"ink{suffix}"
    writer(ink, path)
    back = load_ink(path)
    assert back.text == ink.text
    assert all(np.allclose(a, b) for a, b in zip(back.strokes, ink.strokes))


@pytest.mark.parametrize("name,content,message", [
    ("bad.inkml", "<ink><trace>1 2, 3", "malformed XML"),
    ("empty.inkml", '<ink xmlns="http://www.w3.org/2003/InkML"></ink>', "no <trace>"),
    ("nan.inkml", '<ink xmlns="http://www.w3.org/2003/InkML"><trace>1 2, nan 4</trace></ink>', "NaN"),
    ("word.inkml", '<ink xmlns="http://www.w3.org/2003/InkML"><trace>1 2, x 4</trace></ink>', "bad number"),
    ("one.inkml", '<ink xmlns="http://www.w3.org/2003/InkML"><trace>1</trace></ink>', "fewer than 2"),
    ("svg.xml", "<svg><path d='M0 0'/></svg>", "no StrokeSet"),
    ("bad.json", '{"strokes": [[[1, 2], [3]]]}', "equally long"),
    ("bad2.json", "{not json", "invalid JSON"),
    ("none.json", '{"text": "x"}', "no 'strokes'"),
    ("bomb.inkml", BOMB, "refused unsafe XML"),
    ("external.inkml", EXTERNAL, "refused unsafe XML"),
    ("pic.png", "png", "unsupported ink file type"),
])
def test_malformed_files_give_clear_errors(tmp_path, name, content, message):
    with pytest.raises(InkError, match=message):
        load_ink(write(tmp_path, name, content))


def test_missing_and_empty(tmp_path):
    with pytest.raises(InkError, match="file not found"):
        load_ink(tmp_path / "nope.inkml")
    with pytest.raises(InkError, match="empty file"):
        load_ink(write(tmp_path, "e.json", ""))
