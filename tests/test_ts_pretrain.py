"""Tests of workbench.ts_pretrain: cached masked/supervised pretraining, fleet-adaptive steps, re-exports."""

import subprocess
import sys

import numpy as np
import pytest
import torch

import workbench.timeseries as timeseries
import workbench.ts_pretrain as ts_pretrain
from workbench.timeseries import PatchTSTSpec, build_patchtst, predict_batched
from workbench.ts_pretrain import PretrainArgs, continue_pretraining, pretrain_cache_key, pretrain_patchtst

SPEC = PatchTSTSpec(context_length=16, patch_length=4, patch_stride=4, d_model=16, num_layers=1, num_heads=2,
                    ffn_dim=32, dropout=0.0, head_dropout=0.0)


def test_timeseries_still_exports_every_pretraining_name():
    """The split must not break ``from workbench.timeseries import ...`` (callers, notebooks, pickles)."""
    for name in ts_pretrain.__all__:
        assert name in timeseries.__all__ and getattr(timeseries, name) is getattr(ts_pretrain, name)
        assert name in dir(timeseries)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        timeseries.nope  # noqa: B018
    # Either import order works in a fresh interpreter (ts_pretrain imports timeseries, not the reverse).
    for first in ("workbench.ts_pretrain", "workbench.timeseries"):
        code = (f"import {first}\nfrom workbench.timeseries import *\n"
                "assert pretrain_patchtst.__module__ == 'workbench.ts_pretrain'")
        subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_pretraining_is_cached_by_content(tmp_path, capfd):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 16, 2)).astype(np.float32)
    args = PretrainArgs(epochs=1, batch_size=32)
    first = pretrain_patchtst(X, SPEC, args, name="t", cache_dir=tmp_path)
    assert not first.from_cache and (first.path / "model.safetensors").is_file()
    assert len(first.info["loss_per_epoch"]) == 1 and first.info["windows_per_s"] > 0
    capfd.readouterr()
    again = pretrain_patchtst(X, SPEC, args, name="t", cache_dir=tmp_path)
    assert again.from_cache and again.path == first.path
    assert "Loading weights" not in capfd.readouterr().err  # transformers' bar: noise in notebooks and logs
    for k, v in first.model.state_dict().items():
        torch.testing.assert_close(again.model.state_dict()[k], v)
    assert pretrain_cache_key(X + 1, SPEC, args) != pretrain_cache_key(X, SPEC, args)
    with pytest.raises(ValueError, match="NaN"):
        pretrain_patchtst(np.full_like(X, np.nan), SPEC, args, cache_dir=tmp_path)


def test_supervised_pretraining_stage_and_cache(tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 16, 2)).astype(np.float32)
    y = X[:, -4:, :].mean((1, 2))
    args = PretrainArgs(epochs=1, batch_size=32, supervised_epochs=2)
    with pytest.raises(ValueError, match="one target per window"):
        pretrain_patchtst(X, SPEC, args, cache_dir=tmp_path)
    res = pretrain_patchtst(X, SPEC, args, targets=y, name="sup", cache_dir=tmp_path)
    assert res.info["model_class"] == "PatchTSTForRegression" and len(res.info["supervised_loss_per_epoch"]) == 2
    again = pretrain_patchtst(X, SPEC, args, targets=y, name="sup", cache_dir=tmp_path)
    assert again.from_cache and type(again.model).__name__ == "PatchTSTForRegression"
    other = pretrain_patchtst(X, SPEC, args, targets=y + 1, name="sup", cache_dir=tmp_path)
    assert other.path != res.path  # targets are part of the cache key
    reg = build_patchtst(SPEC, "regression", num_channels=5, base=res.path)  # backbone loads, new head
    assert predict_batched(reg, rng.normal(size=(3, 16, 5)).astype(np.float32)).shape == (3, 1)


def test_continue_pretraining_moves_the_backbone_and_saves_a_loadable_base(tmp_path):
    from safetensors.torch import load_file

    X = np.random.default_rng(0).normal(size=(64, 16, 3)).astype(np.float32)
    base = pretrain_patchtst(X, SPEC, PretrainArgs(epochs=1, batch_size=32), cache_dir=tmp_path / "cache")
    shifted = (X * 2.0 + 1.0).astype(np.float32)
    info = continue_pretraining(base.path, shifted, SPEC, tmp_path / "fleet", epochs=2, batch_size=32)
    assert len(info["loss_per_epoch"]) == 2 and info["n_windows"] == 64
    before, after = load_file(str(base.path / "model.safetensors")), load_file(str(tmp_path / "fleet" / "model.safetensors"))
    moved = [k for k in before if k.startswith("model.") and not torch.equal(before[k], after[k])]
    assert moved  # the backbone changed
    reg = build_patchtst(SPEC, "regression", num_channels=3, base=tmp_path / "fleet")
    torch.testing.assert_close(reg.state_dict()[moved[0]], after[moved[0]])
    with pytest.raises(ValueError, match="epochs"):
        continue_pretraining(base.path, shifted, SPEC, tmp_path / "x", epochs=0)
