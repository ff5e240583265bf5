"""Every notebook runs, in smoke mode (tiny data, one short epoch), on a copy in a temporary
folder: the committed notebooks and their outputs are never touched.  About a minute per
notebook on 2 cores; ``pytest -m "not notebooks"`` leaves them out."""

import shutil

import pytest

from pipelines.notebooks import notebooks, run_notebook, smoke_mode

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOKS = notebooks()


def images(notebook) -> int:
    return sum("image/png" in o.get("data", {}) for c in notebook.cells if c.cell_type == "code" for o in c.outputs)


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS][:4] == [
        "01_quickstart.ipynb", "02_train_speech.ipynb", "03_train_handwriting.ipynb", "04_deploy_tflite.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_outputs_and_no_errors(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code
    if not any(c.execution_count for c in code):
        pytest.skip(f"{path.name} is committed without outputs: run python -m pipelines.notebooks {path.name}")
    assert all(c.execution_count for c in code), "a partly executed notebook: run it with python -m pipelines.notebooks"
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    assert "smoke mode: True" not in str(notebook), "committed outputs must come from a full run"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_in_smoke_mode(path, tmp_path, monkeypatch):
    if path.name == "02_train_speech.ipynb" and not (shutil.which("espeak-ng") and shutil.which("flite")):
        pytest.skip("needs espeak-ng and flite")
    committed = path.read_bytes()
    monkeypatch.setenv("RECOGNIZER_SMOKE", "0")  # run_notebook sets it for the kernel only
    executed = run_notebook(path, tmp_path / "out", smoke=True, workdir=tmp_path)  # raises on a cell error
    assert not smoke_mode() and path.read_bytes() == committed
    assert (tmp_path / "out" / path.name).exists()
    assert not [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    if path.stem.startswith("01"):
        assert images(executed) >= 2
    else:
        assert images(executed) >= 1 and (tmp_path / "work").is_dir()
