"""Config: defaults valid, every problem reported at once naming its field, YAML round trip."""

from dataclasses import dataclass

import pytest

from workbench.config import (ConfigError, LoraArgs, RunConfig, TrainArgs, apply_overrides, field_docs)


def test_defaults_are_valid_and_round_trip_through_yaml(tmp_path):
    cfg = RunConfig()
    path = tmp_path / "c.yaml"
    cfg.to_yaml(path)
    again = RunConfig.from_yaml(path)
    assert again.to_dict() == cfg.to_dict()


def test_all_problems_reported_at_once_with_field_names():
    with pytest.raises(ConfigError) as info:
        RunConfig.from_dict({
            "train": {"lr": -1.0, "precision": "fp8", "foo": 1},
            "lora": {"r": 0, "dropout": 1.5},
            "data": {"val_fraction": 0.6, "test_fraction": 0.5},
            "bogus": {},
        })
    problems = info.value.problems
    text = str(info.value)
    for needle in ("train.lr", "train.precision", "train.foo", "lora.r", "lora.dropout",
                   "data.test_fraction", "bogus"):
        assert needle in text, needle
    assert len(problems) >= 7


def test_wrong_type_is_named():
    with pytest.raises(ConfigError, match=r"train\.batch_size: expected int, got 'many'"):
        RunConfig.from_dict({"train": {"batch_size": "many"}})


def test_time_budget_must_be_positive_minutes():
    assert RunConfig().with_overrides(["train.max_minutes=12"]).train.max_minutes == 12
    assert RunConfig().with_overrides(["train.max_minutes=null"]).train.max_minutes is None
    with pytest.raises(ConfigError, match=r"max_minutes: must be a positive number of minutes"):
        RunConfig().with_overrides(["train.max_minutes=0"])


def test_overrides_parse_yaml_values_and_scientific_floats():
    cfg = RunConfig().with_overrides(["train.lr=1e-3", "lora.r=16", "lora.target_modules=[query, key]",
                                      "train.early_stopping_patience=null"])
    assert cfg.train.lr == pytest.approx(1e-3)
    assert cfg.lora.r == 16 and cfg.lora.target_modules == ["query", "key"]
    with pytest.raises(ConfigError, match="expected section.field=value"):
        apply_overrides({}, ["lr=1"])


def test_run_name_cannot_escape_output_dir():
    with pytest.raises(ConfigError, match="run.name"):
        RunConfig.from_dict({"run": {"name": "../../etc"}})


def test_task_section_uses_the_use_case_dataclass(tmp_path):
    @dataclass
    class TaskArgs:
        max_length: int = 128

        def problems(self, prefix):
            return [f"{prefix}.max_length: must be positive"] if self.max_length <= 0 else []

    cfg = RunConfig.from_dict({"task": {"max_length": 64}}, task_cls=TaskArgs)
    assert cfg.task.max_length == 64
    with pytest.raises(ConfigError, match="task.max_length"):
        RunConfig.from_dict({"task": {"max_length": 0}, "lora": {"r": -1}}, task_cls=TaskArgs)
    with pytest.raises(ConfigError, match="no use case"):
        RunConfig.from_dict({"task": {"max_length": 3}})


def test_malformed_yaml_names_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml"):
        RunConfig.from_yaml(bad)
    with pytest.raises(FileNotFoundError):
        RunConfig.from_yaml(tmp_path / "missing.yaml")


def test_every_field_has_a_docstring():
    for cls in (LoraArgs, TrainArgs):
        docs = field_docs(cls)
        missing = [f for f in cls.__dataclass_fields__ if f not in docs]
        assert not missing, f"{cls.__name__} fields without docstring: {missing}"
