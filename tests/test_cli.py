"""The `workbench` command: verbs, JSON on the last line, clear errors with exit code 2."""

import argparse
import json
import subprocess
import sys

import pytest

from workbench.cli import add_run_args, add_table_args, build_parser, load_config, main, run_overrides, table_overrides
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


# ----------------------------------------------------------------------------- options per use case
def test_option_a_usecase_does_not_use_is_refused_and_nothing_is_written(tmp_path, capsys):
    """Issue 10: `train --usecase maintenance --data klauseln.csv` trained on the simulator and
    recorded data.path in config.yaml. Now: exit 2, a message naming option, use case and the
    command to use instead, and no run directory."""
    out = tmp_path / "runs"
    code = main(["train", "--usecase", "maintenance", "--data", "klauseln.csv", "--output-dir", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "--data is not used by use case maintenance" in err
    assert "workbench maintenance cmapss --train" in err and "--rul" in err
    assert not out.exists()


def test_config_field_a_usecase_does_not_use_is_refused(tmp_path, capsys):
    assert main(["train", "--usecase", "maintenance", "--set", 'data.path="x.csv"', "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "data.path is set (by --set or --config) but use case maintenance does not use it" in err
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("usecase, argv, expected", [
    ("legal_de", ["--decimal", ","], "It takes --allow-download, --base-model, --data, --encoding"),
    ("supply_chain", ["--text-column", "Text"], "--column Datum=ds"),
    ("maintenance", ["--base-model", "x"], "its own commands: workbench maintenance --help"),
])
def test_refusals_say_what_to_use_instead_in_cli_flags(usecase, argv, expected, capsys):
    assert main(["train", "--usecase", usecase, *argv]) == 2
    err = capsys.readouterr().err
    assert f"use case {usecase}" in err and expected in err
    assert "={" not in err and "columns=" not in err  # CLI flags, not Python syntax


def test_every_usecase_declares_options_the_cli_knows():
    from workbench.cli import DATA_OPTIONS
    from workbench.usecases import USECASES, get_usecase

    for name in USECASES:
        uc = get_usecase(name)
        assert isinstance(uc.CLI_OPTIONS, frozenset), name
        assert uc.CLI_OPTIONS <= set(DATA_OPTIONS), (name, uc.CLI_OPTIONS - set(DATA_OPTIONS))
        assert set(getattr(uc, "CLI_INSTEAD", {})) <= set(DATA_OPTIONS) - uc.CLI_OPTIONS, name


def test_table_flags_become_data_overrides():
    parser = argparse.ArgumentParser()
    add_table_args(parser)
    args = parser.parse_args(["--sep", ";", "--decimal", ",", "--date-format", "%d.%m.%Y"])
    assert table_overrides(args) == ['data.sep=";"', 'data.decimal=","', 'data.date_format="%d.%m.%Y"']
    assert table_overrides(parser.parse_args([])) == []


# ----------------------------------------------------------------------------- evaluate / predict
def test_missing_adapter_folder_is_named_before_anything_loads(tmp_path, capsys):
    missing = tmp_path / "kein_adapter"
    code = subprocess.run([sys.executable, "-X", "importtime", "-m", "workbench", "evaluate", "--adapter", str(missing)],
                          capture_output=True, text=True)
    assert code.returncode == 2
    assert f"adapter folder not found: {missing}" in code.stderr
    assert "no label_map.json" not in code.stderr
    imported = {line.split("|")[-1].strip() for line in code.stderr.splitlines() if "|" in line}
    assert not {"torch", "transformers", "peft"} & imported  # checked before any model loads
    assert main(["predict", "--adapter", str(missing), "--input", "x.csv", "--output", "y.csv"]) == 2
    assert f"adapter folder not found: {missing}" in capsys.readouterr().err


def test_missing_input_file_is_named(tmp_path, capsys):
    (tmp_path / "adapter").mkdir()
    code = main(["predict", "--adapter", str(tmp_path / "adapter"), "--input", str(tmp_path / "neu.csv"),
                 "--output", str(tmp_path / "p.csv")])
    assert code == 2
    assert f"input file not found: {tmp_path / 'neu.csv'}" in capsys.readouterr().err


def test_usecase_is_taken_from_the_adapters_run_and_a_mismatch_is_refused(tmp_path, capsys):
    run = tmp_path / "run"
    (run / "adapter").mkdir(parents=True)
    (run / "config.yaml").write_text("run:\n  usecase: supply_chain\n  name: x\n", encoding="utf-8")
    assert main(["evaluate", "--adapter", str(run / "adapter"), "--usecase", "legal_de"]) == 2
    err = capsys.readouterr().err
    assert "was trained by use case supply_chain, not legal_de" in err


def test_help_shows_the_new_flags_with_examples():
    parser = build_parser()
    top = parser.format_help()
    assert "examples:" in top and "--decimal ," in top
    verbs = parser._subparsers._group_actions[0].choices  # noqa: SLF001 - argparse internals
    for verb in ("train", "evaluate", "predict"):
        text = verbs[verb].format_help()
        for flag in ("--sep CHAR", "--decimal MARK", "--date-format FORM", "--encoding NAME", "examples:"):
            assert flag in text, (verb, flag)


def test_legal_train_evaluate_predict_end_to_end_on_a_german_excel_export(tmp_path, capsys):
    """A gzipped cp1252 ';' file from German Excel: train, then evaluate and predict with nothing but
    the adapter folder (use case and config come from its run), all through the command line."""
    import gzip

    import yaml

    from workbench.usecases.legal_de.data import load_generated_sample

    sample = load_generated_sample()
    own = sample[sample["label"].isin(["Haftung", "Gerichtsstand", "Datenschutz"])].groupby("label").head(24)
    lines = ["Klausel;Typ"] + [f'"{t}";{y}' for t, y in zip(own["text"], own["label"])]
    data = tmp_path / "klauseln.csv.gz"
    data.write_bytes(gzip.compress(("\r\n".join(lines) + "\r\n").encode("cp1252")))
    runs = tmp_path / "runs"
    assert main(["train", "--usecase", "legal_de", "--smoke", "--data", str(data), "--text-column", "Klausel",
                 "--label-column", "Typ", "--sep", ";", "--output-dir", str(runs), "--name", "eigene",
                 "--set", "train.max_epochs=1", "--set", "task.max_length=32"]) == 0
    out = capsys.readouterr()
    assert "klauseln.csv.gz: detected gzip compression, encoding cp1252" in out.err
    recorded = yaml.safe_load((runs / "eigene" / "config.yaml").read_text(encoding="utf-8"))
    assert recorded["data"]["path"] == str(data) and recorded["data"]["sep"] == ";"
    assert recorded["data"]["columns"] == {"text": "Klausel", "label": "Typ"}
    line = json.loads(out.out.strip().splitlines()[-1])
    served = json.loads((runs / "eigene" / "results.json").read_text(encoding="utf-8"))["serving"]["served"]
    assert line["recommendation"].startswith("Recommended (chosen on validation rows)")
    trained = line["metrics"][served]  # the model the folder serves: the one recommended on validation

    adapter = runs / "eigene" / "adapter"
    assert main(["evaluate", "--adapter", str(adapter)]) == 0
    out = capsys.readouterr()
    assert "using the adapter's run config" in out.err
    last = json.loads(out.out.strip().splitlines()[-1])
    assert last["usecase"] == "legal_de"
    assert last["metrics"]["macro_f1"] == pytest.approx(trained["macro_f1"])  # the same held-out rows
    assert last["metrics"]["model"] == served and "adapter_alone" in last["metrics"]

    new = tmp_path / "neu.csv"
    new.write_bytes("Nr;Klausel\n1;Gerichtsstand ist München.\n2;Die Haftung für leichte Fahrlässigkeit ist "
                    "ausgeschlossen.\n".encode("cp1252"))
    pred = tmp_path / "vorhersage.csv"
    assert main(["predict", "--adapter", str(adapter), "--input", str(new), "--output", str(pred)]) == 0
    import pandas as pd

    table = pd.read_csv(pred)
    assert len(table) == 2 and set(table["prediction"]) <= {"Haftung", "Gerichtsstand", "Datenschutz"}
    assert table["Klausel"].iloc[0] == "Gerichtsstand ist München."


def test_table_flags_reach_the_config_of_a_usecase_that_reads_tables():
    from workbench.cli import load_config

    args = build_parser().parse_args(["train", "--usecase", "supply_chain", "--smoke", "--data", "bedarf.csv",
                                      "--sep", ";", "--decimal", ",", "--date-format", "%d.%m.%Y",
                                      "--encoding", "cp1252", "--column", "Datum=ds", "--column", "Menge=y"])
    uc, cfg = load_config(args, "train")
    assert uc.NAME == "supply_chain"
    assert (cfg.data.path, cfg.data.sep, cfg.data.decimal, cfg.data.date_format, cfg.data.encoding) == \
        ("bedarf.csv", ";", ",", "%d.%m.%Y", "cp1252")
    assert cfg.data.columns == {"Datum": "ds", "Menge": "y"}


def test_column_flag_is_checked_and_refused_where_it_does_not_apply(capsys):
    assert main(["train", "--usecase", "supply_chain", "--column", "Datum"]) == 2
    assert "--column expects THEIRS=OURS, e.g. --column Datum=ds, got 'Datum'" in capsys.readouterr().err
    assert main(["train", "--usecase", "legal_de", "--column", "Klausel=text"]) == 2
    err = capsys.readouterr().err
    assert "--column is not used by use case legal_de" in err and "--text-column" in err


def test_maintenance_evaluate_and_predict_dispatch_from_the_adapter_folder(tmp_path, capsys):
    """The generic verbs reach the maintenance package: the use case comes from the adapter's run."""
    runs = tmp_path / "runs"
    assert main(["train", "--usecase", "maintenance", "--smoke", "--output-dir", str(runs), "--name", "m"]) == 0
    capsys.readouterr()
    adapter = runs / "m" / "adapter"
    assert main(["evaluate", "--adapter", str(adapter)]) == 0
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["usecase"] == "maintenance" and last["metrics"]["rmse"] > 0 and last["metrics"]["n"] > 0

    assert main(["maintenance", "simulate", "--subset", "FD001", "--out", str(tmp_path / "fd001"), "--units", "3"]) == 0
    capsys.readouterr()
    out = tmp_path / "rul.csv"
    assert main(["predict", "--adapter", str(adapter), "--input", str(tmp_path / "fd001" / "test_FD001.txt"),
                 "--output", str(out)]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["usecase"] == "maintenance"
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("unit,") and len(lines) == 4  # one row per engine
    # An option maintenance does not use is refused here too, without the run-directory remark.
    assert main(["predict", "--adapter", str(adapter), "--input", str(tmp_path / "fd001" / "test_FD001.txt"),
                 "--output", str(out), "--sep", ";"]) == 2
    err = capsys.readouterr().err
    assert "--sep is not used by use case maintenance (it would be ignored)." in err


def _german_demand(path, days=300):
    """A cp1252 ';' export with thousands dots, decimal commas and TT.MM.JJJJ dates, as German Excel writes it."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    rows = []
    for sku, mean in (("Schraube M6", 1500), ("Dübel 8 mm", 1200), ("Mutter", 800)):
        for day in pd.date_range("2024-01-01", periods=days):
            qty = f"{int(rng.poisson(mean)):,}".replace(",", ".")
            rows.append(f"{sku};{day:%d.%m.%Y};{qty};" + f"{rng.uniform(1, 3):.2f}".replace(".", ","))
    path.write_bytes(("Artikel;Datum;Menge;Preis\r\n" + "\r\n".join(rows) + "\r\n").encode("cp1252"))
    return path


def test_supply_train_evaluate_predict_on_a_german_export(tmp_path, capsys):
    data = _german_demand(tmp_path / "bedarf.csv")
    runs = tmp_path / "runs"
    rename = ["--column", "Artikel=unique_id", "--column", "Datum=ds", "--column", "Menge=y", "--column", "Preis=price"]
    assert main(["train", "--usecase", "supply_chain", "--smoke", "--data", str(data), *rename,
                 "--output-dir", str(runs), "--name", "s"]) == 0
    err = capsys.readouterr().err
    assert "bedarf.csv: detected encoding cp1252" in err and "decimal comma (Preis, Menge)" in err
    adapter = runs / "s" / "adapter"
    assert main(["evaluate", "--adapter", str(adapter)]) == 0  # data and renames from the run's config
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last["usecase"] == "supply_chain" and last["metrics"]["n_series"] == 3
    out = tmp_path / "prognose.csv"
    assert main(["predict", "--adapter", str(adapter), "--input", str(data), "--output", str(out)]) == 0
    import pandas as pd

    forecast = pd.read_csv(out)
    assert set(forecast["unique_id"]) == {"Schraube M6", "Dübel 8 mm", "Mutter"}
    assert forecast["ds"].min() == "2024-10-27"  # the day after the last German date 26.10.2024


# ----------------------------------------------------------------------------- the user's own split
def test_split_file_options_are_refused_by_usecases_that_do_not_take_them(tmp_path, capsys):
    """Issue 13: --train/--val/--test reach only use cases that declare them; the others refuse
    them (exit 2, naming the flag) instead of recording an unused file in config.yaml."""
    from workbench.usecases import USECASES, get_usecase

    refusing = [n for n in USECASES if "train" not in get_usecase(n).CLI_OPTIONS]
    for name in refusing:
        assert main(["train", "--usecase", name, "--train", "x.csv", "--output-dir", str(tmp_path)]) == 2
        err = capsys.readouterr().err
        assert "--train is not used by use case " + name in err
    assert not any(tmp_path.iterdir())


def test_split_file_options_parse_into_data_and_are_validated(tmp_path, capsys):
    args = build_parser().parse_args(["train", "--usecase", "legal_de", "--smoke", "--train", "a.csv",
                                      "--val", "b.csv", "--test", "c.csv"])
    _, cfg = load_config(args, "train")
    assert (cfg.data.train, cfg.data.val, cfg.data.test, cfg.data.path) == ("a.csv", "b.csv", "c.csv", None)
    assert main(["train", "--usecase", "legal_de", "--smoke", "--val", "b.csv", "--output-dir", str(tmp_path)]) == 2
    assert "--val/--test need --train" in capsys.readouterr().err
    assert main(["train", "--usecase", "legal_de", "--smoke", "--data", "a.csv", "--train", "b.csv",
                 "--output-dir", str(tmp_path)]) == 2
    assert "not both" in capsys.readouterr().err


def test_evaluate_takes_test_file_as_the_file_to_score_and_refuses_train(capsys):
    args = build_parser().parse_args(["evaluate", "--usecase", "legal_de", "--smoke", "--adapter", "x", "--test", "neu.csv"])
    _, cfg = load_config(args, "evaluate")
    assert cfg.data.path == "neu.csv" and cfg.data.train is None and cfg.data.test is None
    from workbench.cli import UsageError

    with pytest.raises(UsageError, match="--train is for workbench train"):
        load_config(build_parser().parse_args(["evaluate", "--usecase", "legal_de", "--smoke", "--adapter", "x",
                                               "--train", "a.csv"]), "evaluate")


def test_a_run_named_with_set_keeps_its_name_in_the_verbs_with_a_default_name():
    """`maintenance cmapss` and `supply backtest` name a run after its file unless the user named it;
    `--set run.name=...` names it as much as `--name` does (before, the default replaced it, and a second
    run overwrote the first one's folder)."""
    from workbench.cli import names_the_run

    parser = build_parser()
    files = ["--train", "t.txt", "--test", "s.txt", "--rul", "r.txt"]
    assert not names_the_run(parser.parse_args(["maintenance", "cmapss", *files]))
    assert names_the_run(parser.parse_args(["maintenance", "cmapss", *files, "--name", "fd001-a"]))
    assert names_the_run(parser.parse_args(["maintenance", "cmapss", *files, "--set", "run.name=fd001-b"]))
    assert names_the_run(parser.parse_args(["supply", "backtest", "--file", "x.csv", "--set", " run.name = b"]))
    assert not names_the_run(parser.parse_args(["supply", "backtest", "--file", "x.csv", "--set", "run.seed=3"]))


def test_a_run_name_in_the_users_yaml_names_the_run_and_a_shipped_one_does_not(tmp_path):
    """A name written into the user's --config file is kept like --name (before, the verb's default
    replaced it); the names of the defaults and the shipped configs/ files are the verb's to replace."""
    from pathlib import Path

    import yaml

    from workbench.cli import names_the_run
    from workbench.config import RunConfig
    from workbench.usecases import maintenance, supply_chain
    from workbench.usecases.maintenance.config import MaintenanceTaskArgs
    from workbench.usecases.supply_chain.config import SupplyTaskArgs

    root = Path(__file__).resolve().parents[1]
    parser = build_parser()
    for usecase, task_cls, verb in ((maintenance, MaintenanceTaskArgs, ["maintenance", "ai4i"]),
                                    (supply_chain, SupplyTaskArgs, ["supply", "backtest", "--file", "x.csv"])):
        folder = root / "configs" / usecase.NAME
        for shipped in sorted(folder.glob("*.yaml")):
            cfg = RunConfig.from_yaml(shipped, task_cls=task_cls)
            args = parser.parse_args([*verb, "--config", str(shipped)])
            assert not names_the_run(args, cfg, usecase.default_names()), shipped
        raw = yaml.safe_load((folder / "default.yaml").read_text(encoding="utf-8"))
        raw["run"]["name"] = "my-experiment-3"
        mine = tmp_path / f"{usecase.NAME}.yaml"
        mine.write_text(yaml.safe_dump(raw), encoding="utf-8")
        args = parser.parse_args([*verb, "--config", str(mine)])
        assert names_the_run(args, RunConfig.from_yaml(mine, task_cls=task_cls), usecase.default_names())


def test_maintenance_ai4i_keeps_a_run_name_given_with_set(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORKBENCH_QUIET", "1")
    assert main(["maintenance", "ai4i", "--smoke", "--output-dir", str(tmp_path), "--set", "run.name=mine"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["run_dir"] == str(tmp_path / "mine") and (tmp_path / "mine" / "results.json").is_file()
