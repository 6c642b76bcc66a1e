"""Contract test over every registered use case (scikit-learn's check_estimator idea)."""

import dataclasses
from pathlib import Path

import pytest

from workbench.config import RunConfig
from workbench.usecases import USECASES, get_usecase

ROOT = Path(__file__).resolve().parents[2]
FILES = ("config.py", "data.py", "task.py", "model.py", "baselines.py", "widgets.py", "__init__.py")


@pytest.mark.parametrize("name", list(USECASES))
def test_usecase_contract(name):
    uc = get_usecase(name)
    assert uc.NAME == name
    assert dataclasses.is_dataclass(uc.TaskArgs) and hasattr(uc.TaskArgs(), "problems")
    for fn in ("default_config", "run_experiment", "report_section"):
        assert callable(getattr(uc, fn, None)), f"{name} lacks {fn}"
    # The options of `workbench train/evaluate/predict` it uses; the CLI refuses the others.
    from workbench.cli import DATA_OPTIONS

    assert isinstance(getattr(uc, "CLI_OPTIONS", None), frozenset), f"{name} lacks CLI_OPTIONS (a frozenset)"
    assert uc.CLI_OPTIONS <= set(DATA_OPTIONS), f"{name}: unknown CLI_OPTIONS {uc.CLI_OPTIONS - set(DATA_OPTIONS)}"
    for smoke in (True, False):
        cfg = uc.default_config(smoke=smoke)
        assert isinstance(cfg, RunConfig) and cfg.run.usecase == name
        assert isinstance(cfg.task, uc.TaskArgs)
    # evaluate/predict serve the model the run recommended on validation data (workbench.serving),
    # and task.serve names another; an unknown value is a config problem, not a silent fallback.
    task = uc.TaskArgs()
    assert getattr(task, "serve", None) == "recommended", f"{name}: TaskArgs lacks serve='recommended'"
    task.serve = "no-such-model"
    assert any(p.startswith("task.serve:") for p in task.problems("task")), f"{name} accepts any task.serve"
    package = ROOT / "workbench" / "usecases" / name
    missing = [f for f in FILES if not (package / f).is_file()]
    assert not missing, f"{name} lacks the standard files {missing}"


@pytest.mark.parametrize("name", list(USECASES))
def test_usecases_do_not_import_each_other(name):
    package = ROOT / "workbench" / "usecases" / name
    others = [o for o in USECASES if o != name]
    for path in package.rglob("*.py"):
        text = path.read_text()
        for other in others:
            assert f"usecases.{other}" not in text, f"{path} imports use case {other}"


def test_core_does_not_import_usecases():
    core = [p for p in (ROOT / "workbench").rglob("*.py") if "usecases" not in p.parts]
    for path in core:
        text = path.read_text()
        for name in USECASES:
            assert f"usecases.{name}" not in text, f"core module {path} imports use case {name}"


@pytest.mark.parametrize("path", sorted((ROOT / "configs").rglob("*.yaml")), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_config_loads(path):
    import yaml

    raw = yaml.safe_load(path.read_text())
    name = (raw.get("run") or {}).get("usecase") or path.parent.name
    uc = get_usecase(name)
    cfg = RunConfig.from_yaml(path, task_cls=uc.TaskArgs)
    assert cfg.run.usecase == name
