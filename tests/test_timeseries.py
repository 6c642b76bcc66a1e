"""Tests of workbench.timeseries: windows, scaler, PatchTST builder, LoRA round trip (pretraining: test_ts_pretrain.py)."""

import numpy as np
import pandas as pd
import pytest
import torch

from workbench.config import LoraArgs
from workbench.lora import apply_lora, load_adapter, merge_adapter, save_adapter
from workbench.timeseries import (PatchTSTSpec, SeriesScaler, build_patchtst, load_backbone, norm_modules_to_save,
                                  patchtst_lora_targets, predict_batched, sliding_windows)

SPEC = PatchTSTSpec(context_length=16, patch_length=4, patch_stride=4, d_model=16, num_layers=1, num_heads=2,
                    ffn_dim=32, dropout=0.0, head_dropout=0.0)


def _frame():
    return pd.DataFrame({"id": [1] * 6 + [2] * 3, "t": [1, 2, 3, 4, 5, 6, 3, 1, 2],
                         "a": [10, 11, 12, 13, 14, 15, 22, 20, 21.0], "y": [5, 4, 3, 2, 1, 0, 7, 9, 8.0]})


def test_windows_contain_only_the_past_and_end_at_their_step():
    ws = sliding_windows(_frame(), id_col="id", time_col="t", feature_cols=["a"], window=3, target_col="y")
    assert ws.X.shape == (9, 3, 1)
    for x, uid, end, y in zip(ws.X[:, :, 0], ws.ids, ws.ends, ws.y):
        g = _frame().query("id == @uid").sort_values("t")
        past = g[g["t"] <= end]["a"].to_numpy()
        assert x[-1] == past[-1]                      # ends at its own step
        assert set(x) <= set(past)                    # nothing from the future
        assert y == g[g["t"] == end]["y"].item()      # target of that step
    # unit 2 was unsorted in the frame: windows follow time, padding repeats the first value
    np.testing.assert_array_equal(ws.X[ws.ids == 2][0, :, 0], [20, 20, 20])
    np.testing.assert_array_equal(ws.X[ws.ids == 2][-1, :, 0], [20, 21, 22])


def test_windows_last_only_stride_and_no_padding():
    last = sliding_windows(_frame(), id_col="id", time_col="t", feature_cols=["a"], window=3, last_only=True)
    assert list(last.ends) == [6, 3] and last.y is None
    strided = sliding_windows(_frame(), id_col="id", time_col="t", feature_cols=["a"], window=3, stride=2)
    assert list(strided.ends[strided.ids == 1]) == [2, 4, 6]  # the last step is always included
    nopad = sliding_windows(_frame(), id_col="id", time_col="t", feature_cols=["a"], window=4, pad_short=False)
    assert set(nopad.ids) == {1} and list(nopad.ends) == [4, 5, 6]
    with pytest.raises(KeyError, match="columns"):
        sliding_windows(_frame(), id_col="id", time_col="t", feature_cols=["nope"], window=3)


def test_scaler_fits_per_group_on_training_rows_only():
    df = pd.DataFrame({"g": [0, 0, 1, 1], "x": [1.0, 3.0, 10.0, 30.0]})
    sc = SeriesScaler(["x"], group_col="g").fit(df)
    out = sc.transform(df)
    np.testing.assert_allclose(out["x"], [-1, 1, -1, 1])
    new = pd.DataFrame({"g": [1], "x": [20.0]})
    assert SeriesScaler.from_dict(sc.to_dict()).transform(new)["x"].item() == pytest.approx(0.0)
    with pytest.raises(ValueError, match="g=5"):
        sc.transform(pd.DataFrame({"g": [5], "x": [1.0]}))
    with pytest.raises(RuntimeError, match="not fitted"):
        SeriesScaler(["x"]).transform(df)


def test_spec_problems_name_fields():
    bad = PatchTSTSpec(context_length=8, patch_length=16, d_model=30, num_heads=4, norm_type="rms")
    probs = " ".join(bad.problems())
    assert "spec.patch_length" in probs and "spec.d_model" in probs and "spec.norm_type" in probs


def test_backbone_moves_between_heads_and_channel_counts():
    pre = build_patchtst(SPEC, "pretraining", num_channels=3, seed=0)
    reg = build_patchtst(SPEC, "regression", num_channels=5, base=pre, seed=1)
    for k, v in pre.state_dict().items():
        if k.startswith("model."):
            torch.testing.assert_close(reg.state_dict()[k], v)
    other = build_patchtst(PatchTSTSpec(context_length=16, patch_length=4, patch_stride=4, d_model=32, num_layers=1,
                                        num_heads=2, ffn_dim=32), "regression", num_channels=5)
    with pytest.raises(ValueError, match="does not fit"):
        load_backbone(other, pre)


@pytest.mark.parametrize("norm", ["layernorm", "batchnorm"])
def test_lora_round_trip_is_exact(tmp_path, norm):
    """Saved, reloaded and merged adapters predict exactly what the trained model predicted.

    With BatchNorm the running statistics must travel with the adapter (norm_modules_to_save),
    otherwise the reload differs (STACK_NOTES: max abs diff 2.47).
    """
    spec = PatchTSTSpec(**{**SPEC.__dict__, "norm_type": norm})
    torch.manual_seed(0)
    X = torch.randn(64, 16, 3) * 2 + 1
    y = X[:, -4:, :].mean((1, 2))

    def fresh():
        return build_patchtst(spec, "regression", num_channels=3, seed=0)

    extra = norm_modules_to_save(fresh()) if norm == "batchnorm" else []
    assert (extra == ["norm"]) == (norm == "batchnorm") or extra
    model = apply_lora(fresh(), LoraArgs(r=4, alpha=8, dropout=0.0, target_modules=patchtst_lora_targets(),
                                         modules_to_save=["head", *extra]))
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    model.train()
    for _ in range(5):
        loss = torch.nn.functional.mse_loss(model(past_values=X).regression_outputs.squeeze(-1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    expected = predict_batched(model, X.numpy())
    save_adapter(model, tmp_path / "ad", base_model_id="test")
    loaded = load_adapter(fresh(), tmp_path / "ad")
    # Equal up to float rounding (BatchNorm in a ModulesToSaveWrapper reorders one addition);
    # without the running statistics in the adapter the gap is of order 1 (STACK_NOTES: 2.47).
    np.testing.assert_allclose(predict_batched(loaded, X.numpy()), expected, rtol=0, atol=1e-6)
    merged = merge_adapter(loaded)
    np.testing.assert_allclose(predict_batched(merged, X.numpy()), expected, atol=1e-5)


def test_lazy_windows_equal_materialised_ones_and_hold_only_rows():
    from workbench.timeseries import LazyWindows

    rng = np.random.default_rng(0)
    frame = pd.concat([pd.DataFrame({"id": u, "t": np.arange(1, n + 1), "a": rng.normal(size=n), "b": rng.normal(size=n),
                                     "y": np.arange(n)[::-1].astype(float)}) for u, n in ((3, 5), (1, 40), (2, 12))])
    frame = frame.sample(frac=1.0, random_state=0)  # unsorted input, as users give it
    for kw in ({}, {"stride": 3}, {"last_only": True}):
        ws = sliding_windows(frame, id_col="id", time_col="t", feature_cols=["a", "b"], window=8, target_col="y", **kw)
        lw = LazyWindows(frame, id_col="id", time_col="t", feature_cols=["a", "b"], window=8, target_col="y", **kw)
        assert len(lw) == len(ws)
        np.testing.assert_array_equal(lw.take(np.arange(len(lw))), ws.X)
        np.testing.assert_array_equal(np.stack([lw[i][0].numpy() for i in range(len(lw))]), ws.X)
        np.testing.assert_array_equal(lw.y, ws.y)
        np.testing.assert_array_equal(lw.ids, ws.ids)
        np.testing.assert_array_equal(lw.ends, ws.ends)
    full = LazyWindows(frame, id_col="id", time_col="t", feature_cols=["a"], window=8, min_end=8)
    assert (full.ends >= 8).all() and len(full) == (40 - 7) + (12 - 7)
    big = LazyWindows(frame, id_col="id", time_col="t", feature_cols=["a", "b"], window=8, target_col="y")
    assert big.nbytes() < big.take(np.arange(len(big))).nbytes  # rows and an index, not windows
