"""The user's own split in maintenance: an AI4I split column, and the split record of every run."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.usecases.maintenance.config import MaintenanceTaskArgs
from workbench.usecases.maintenance.data import DataFormatError, load_ai4i
from workbench.usecases.maintenance.experiment import prepare_ai4i
from workbench.usecases.maintenance.simulate import simulate_ai4i


def _write(tmp_path, split, column="split"):
    frame = simulate_ai4i(n=400, seed=1)
    frame[column] = split(len(frame))
    path = tmp_path / "ai4i.csv"
    frame.to_csv(path, index=False)
    return path


def test_ai4i_split_column_is_used_as_given(tmp_path):
    path = _write(tmp_path, lambda n: np.where(np.arange(n) < 300, "train", np.where(np.arange(n) < 340, "Validation", "test")))
    frame = load_ai4i(path)
    assert set(frame["split"]) == {"train", "val", "test"}
    d = prepare_ai4i(MaintenanceTaskArgs(ai4i_file=str(path), window=4))
    udi = frame["UDI"].to_numpy()
    assert list(udi[d["idx"]["test"]]) == list(udi[340:]) and len(d["idx"]["val"]) == 40
    assert d["split_record"]["source"] == "column" and d["split_record"]["sizes"] == {"train": 300, "val": 40, "test": 60}


def test_ai4i_split_column_without_val_and_bad_values(tmp_path):
    path = _write(tmp_path, lambda n: np.where(np.arange(n) < 320, "train", "test"))
    d = prepare_ai4i(MaintenanceTaskArgs(ai4i_file=str(path), window=4))
    assert len(d["idx"]["val"]) > 0 and len(d["idx"]["train"]) + len(d["idx"]["val"]) == 320
    assert "val carved from train" in d["split_record"]["detail"]
    bad = _write(tmp_path, lambda n: np.where(np.arange(n) < 320, "train", "später"), column="Teil")
    with pytest.raises(DataFormatError, match="has the value 'später' at data row 321"):
        load_ai4i(bad, split_column="Teil")
