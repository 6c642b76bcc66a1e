"""Settings: defaults valid, every problem listed, shipped YAML configs load."""

from pathlib import Path

import pytest

from workbench.config import ConfigError, RunConfig
from workbench.usecases import supply_chain as uc
from workbench.usecases.supply_chain.config import SupplyTaskArgs

ROOT = Path(__file__).resolve().parents[3]


def test_defaults_are_valid():
    assert SupplyTaskArgs().problems() == []
    for smoke in (True, False):
        cfg = uc.default_config(smoke=smoke)
        assert cfg.run.usecase == "supply_chain" and cfg.task.problems() == []


def test_all_problems_are_listed_at_once():
    bad = SupplyTaskArgs(horizon=7, quantiles=[0.9, 0.1], val_days=3, baselines=["prophet"], target_region="Süd")
    problems = bad.problems()
    text = "\n".join(problems)
    for field in ("task.horizon", "task.quantiles", "task.val_days", "task.baselines", "task.target_region"):
        assert field in text, field
    with pytest.raises(ConfigError):
        RunConfig.from_dict({"task": {"service_level": 0.999}}, task_cls=SupplyTaskArgs)


@pytest.mark.parametrize("name", ["tiny.yaml", "default.yaml"])
def test_shipped_configs_load(name):
    cfg = RunConfig.from_yaml(ROOT / "configs" / "supply_chain" / name, task_cls=SupplyTaskArgs)
    assert cfg.run.usecase == "supply_chain" and isinstance(cfg.task, SupplyTaskArgs)
