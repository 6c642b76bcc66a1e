"""The shipped YAML configs mirror the code's configs; TaskArgs reports every problem at once."""

from pathlib import Path

import pytest

from workbench.config import ConfigError, RunConfig
from workbench.usecases.maintenance import MaintenanceTaskArgs, default_config, recipe_config

CONFIGS = Path(__file__).resolve().parents[3] / "configs" / "maintenance"


@pytest.mark.parametrize("name, cfg", [("default.yaml", recipe_config()), ("tiny.yaml", default_config(smoke=True))])
def test_yaml_mirrors_code(name, cfg):
    loaded = RunConfig.from_yaml(CONFIGS / name, task_cls=MaintenanceTaskArgs)
    assert loaded.task == cfg.task and loaded.lora == cfg.lora
    assert loaded.train.max_epochs == cfg.train.max_epochs and loaded.train.lr == cfg.train.lr


def test_task_problems_are_collected():
    with pytest.raises(ConfigError) as err:
        RunConfig.from_dict({"task": {"problem": "eta", "test_file": "t.txt", "window": 0, "d_model": 30,
                                      "cost_missed": -1}}, task_cls=MaintenanceTaskArgs)
    text = str(err.value)
    for field in ("task.problem", "task.rul_file", "task.train_file", "task.window", "task.d_model", "task.cost_missed"):
        assert field in text, field
    assert default_config().task.target_units and default_config(smoke=True).train.max_epochs == 2
