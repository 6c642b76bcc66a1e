"""Guards for the pitfalls measured on this stack (../shared/STACK_NOTES.md)."""

import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_torch_pin_admits_the_cpu_wheel_2_13_0():
    from packaging.specifiers import SpecifierSet

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    torch_spec = next(d for d in deps if re.match(r"torch\b", d))
    spec = SpecifierSet(torch_spec[len("torch"):])
    assert "2.13.0" in spec, torch_spec
    assert "2.15.0" not in spec  # an open range would let pip pull a newer CUDA build
    makefile = (ROOT / "Makefile").read_text()
    assert "torch==2.13.0" in makefile  # installed first, before anything can resolve another torch


def test_figure_widget_works_because_anywidget_is_a_dependency():
    import plotly.graph_objects as go

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(d.startswith("anywidget") for d in deps)
    go.FigureWidget(go.Figure(go.Bar(y=[1])))  # ImportError without anywidget


@pytest.mark.parametrize("nb", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_stripped_and_small(nb):
    import nbformat

    data = json.loads(nb.read_text())
    # Valid against the schema of its own nbformat version: `jupyter nbconvert --execute` refuses an
    # invalid notebook (cell ids in a 4.4 notebook stopped notebook 02 there while nbval ran it).
    nbformat.validate(nbformat.reads(nb.read_text(), as_version=nbformat.NO_CONVERT))
    assert nb.stat().st_size < 200_000, "notebook too large: strip outputs and widget state"
    assert "widgets" not in data.get("metadata", {}), "metadata.widgets embeds plotly.js (MBs): strip it"
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{nb.name}: outputs must be stripped"
            assert cell.get("execution_count") is None, f"{nb.name}: execution counts must be stripped"
            source = "".join(cell["source"])
            assert not re.search(r"^\s*(def|class)\s", source, re.M), f"{nb.name}: logic belongs in the library"


def test_no_trust_remote_code_default_and_no_pickle_loading():
    offenders = []
    for path in (ROOT / "workbench").rglob("*.py"):
        text = path.read_text()
        if re.search(r"trust_remote_code\s*=\s*True", text):
            offenders.append(f"{path}: trust_remote_code=True")
        for call in re.finditer(r"torch\.load\(([^)]*)\)", text):
            if "weights_only=True" not in call.group(1):
                offenders.append(f"{path}: torch.load without weights_only=True")
    assert not offenders, offenders
