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
    bad = SupplyTaskArgs(horizon=7, quantiles=[0.9, 0.1], val_periods=3, baselines=["prophet"], target_region="Süd")
    problems = bad.problems()
    text = "\n".join(problems)
    for field in ("task.horizon", "task.quantiles", "task.val_periods", "task.baselines", "task.target_region"):
        assert field in text, field
    with pytest.raises(ConfigError):
        RunConfig.from_dict({"task": {"service_level": 0.999}}, task_cls=SupplyTaskArgs)


@pytest.mark.parametrize("name", ["tiny.yaml", "default.yaml"])
def test_shipped_configs_load(name):
    cfg = RunConfig.from_yaml(ROOT / "configs" / "supply_chain" / name, task_cls=SupplyTaskArgs)
    assert cfg.run.usecase == "supply_chain" and isinstance(cfg.task, SupplyTaskArgs)


def test_old_day_names_are_accepted_with_a_note_and_not_twice():
    import warnings

    from workbench.usecases.supply_chain import default_config

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cfg = default_config(smoke=True).with_overrides(["task.val_days=21", "task.test_days=35"])
    assert (cfg.task.val_periods, cfg.task.test_periods) == (21, 35)
    assert any("renamed to task.val_periods" in str(w.message) for w in caught)
    # A YAML file that gives both names is ambiguous: refused, naming both.
    with pytest.raises(ConfigError, match="give only task.test_periods"):
        RunConfig.from_dict({"task": {"test_days": 35, "test_periods": 35}}, task_cls=SupplyTaskArgs)
    with pytest.warns(FutureWarning, match="task.val_days is renamed"):
        assert RunConfig.from_dict({"task": {"val_days": 28}}, task_cls=SupplyTaskArgs).task.val_periods == 28


def test_weekly_and_monthly_data_get_lengths_of_their_own_unless_the_user_set_them():
    from workbench.usecases.supply_chain.config import FREQUENCY_DEFAULTS, for_frequency

    daily = SupplyTaskArgs()
    same, changed = for_frequency(daily, "D")
    assert same is daily and changed == {}
    mine = SupplyTaskArgs(horizon=6, val_periods=6)          # the user's horizon and validation stay
    monthly, changed = for_frequency(mine, "MS")
    assert (monthly.horizon, monthly.val_periods) == (6, 6) and "horizon" not in changed
    assert monthly.season_length == 12 and changed["season_length"] == [7, 12] and monthly.test_periods == 12
    assert mine.season_length == 7                             # the input is not changed
    for freq in ("W", "MS", "ME"):
        args, _ = for_frequency(SupplyTaskArgs(), freq)
        assert args.problems("task") == [], (freq, args.problems("task"))   # every frequency set is valid
        assert args.context_length % args.patch_length == 0 and set(FREQUENCY_DEFAULTS[freq]) <= set(vars(args))


def test_loss_volume_power_is_validated_and_reaches_the_task():
    assert "task.loss_volume_power" in "\n".join(SupplyTaskArgs(loss_volume_power=-0.5).problems())
    assert "task.loss_volume_power" in "\n".join(SupplyTaskArgs(loss_volume_power=3).problems())
    assert SupplyTaskArgs(loss_volume_power=1).problems() == []
