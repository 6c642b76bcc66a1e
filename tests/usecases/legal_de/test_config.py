"""Tests of the use case's config section and its shipped YAML configs."""

from __future__ import annotations

import pytest

from workbench.config import ConfigError, RunConfig
from workbench.usecases.legal_de import TaskArgs, default_config


@pytest.mark.parametrize("smoke", [True, False])
def test_default_config_is_valid(smoke):
    cfg = default_config(smoke=smoke)
    assert cfg.problems() == [] and isinstance(cfg.task, TaskArgs)
    assert cfg.run.usecase == "legal_de" and cfg.lora.target_modules == "all-linear"


def test_problems_name_every_bad_field_at_once():
    bad = TaskArgs(max_length=4, n_per_class=2, max_train_rows=1, labels=["only"], baseline_C=0, sample_version="v9",
                   head_init="zeros")
    problems = bad.problems("task")
    for field in ("max_length", "n_per_class", "max_train_rows", "labels", "baseline_C", "sample_version", "head_init"):
        assert any(p.startswith(f"task.{field}:") for p in problems), field
    for p in (1.0, -0.1, "0.1", True):
        assert any(x.startswith("task.head_dropout:") and "[0, 1)" in x for x in TaskArgs(head_dropout=p).problems("task"))
    assert TaskArgs(head_dropout=0.0).problems("task") == [] and TaskArgs().head_dropout == 0.1
    with pytest.raises(ConfigError) as err:
        RunConfig.from_dict({"task": {"max_length": 4, "frozen_C": -1}}, task_cls=TaskArgs)
    assert len(err.value.problems) == 2


@pytest.mark.parametrize("name", ["tiny", "default"])
def test_shipped_yaml_configs_load(repo_root, name):
    cfg = RunConfig.from_yaml(repo_root / "configs" / "legal_de" / f"{name}.yaml", task_cls=TaskArgs)
    assert cfg.run.usecase == "legal_de"
    again = RunConfig.from_dict(cfg.to_dict(), task_cls=TaskArgs)
    assert again.to_dict() == cfg.to_dict()
    over = cfg.with_overrides(["task.max_length=96", "data.path=own.csv"])
    assert over.task.max_length == 96 and over.data.path == "own.csv"
