"""The `workbench` command: verbs, JSON on the last line, clear errors with exit code 2."""

import argparse
import json
import subprocess
import sys

from workbench.cli import add_run_args, build_parser, main, run_overrides
from workbench.config import LoraArgs
from workbench.lora import apply_lora, save_adapter
from workbench.models import default_text_model_path, load_sequence_classifier


def test_all_verbs_are_registered():
    parser = build_parser()
    verbs = set(parser._subparsers._group_actions[0].choices)  # noqa: SLF001 - argparse internals
    assert {"train", "evaluate", "predict", "merge", "demo", "audit"} <= verbs


def test_building_the_parser_imports_no_heavy_library():
    """Every call builds the parser with all use-case verbs; torch and friends load only when a verb runs."""
    code = ("import sys; from workbench.cli import build_parser; build_parser(); "
            "print(sorted({'torch', 'transformers', 'lightning', 'peft', 'pandas', 'sklearn'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_run_flags_become_overrides():
    parser = argparse.ArgumentParser()
    add_run_args(parser)
    assert run_overrides(parser.parse_args([])) == []
    args = parser.parse_args(["--output-dir", "my runs", "--name", "fd001"])
    assert run_overrides(args) == ['run.output_dir="my runs"', 'run.name="fd001"']
    assert run_overrides(argparse.Namespace()) == []  # a verb without the flags


def test_merge_prints_json_last_line(tmp_path, capsys):
    model = apply_lora(load_sequence_classifier(default_text_model_path(), 2), LoraArgs(r=2), task_type="SEQ_CLS")
    adapter = save_adapter(model, tmp_path / "adapter", base_model_id="embedded:all-MiniLM-L6-v2")
    assert main(["merge", "--adapter", str(adapter), "--out", str(tmp_path / "merged")]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last)["merged_model"].endswith("merged")
    assert (tmp_path / "merged" / "model.safetensors").is_file()


def test_bad_override_is_a_clear_error(capsys):
    assert main(["train", "--usecase", "legal_de", "--smoke", "--set", "train.lr=-1", "--set", "lora.r=0"]) == 2
    err = capsys.readouterr().err
    assert "train.lr" in err and "lora.r" in err


def test_unknown_usecase_is_named(capsys):
    assert main(["train", "--usecase", "weather"]) == 2
    assert "unknown use case 'weather'" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    out = subprocess.run([sys.executable, "-m", "workbench", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("ki-werkbank ")
