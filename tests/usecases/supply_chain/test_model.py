"""The forecaster module, the cached base, and the scikit-learn-like estimator with LoRA."""

import numpy as np
import pytest
import torch

from workbench.lora import AdapterMismatchError, merge_adapter
from workbench.usecases.supply_chain.model import DemandForecaster, QuantileForecaster, arch_config
from workbench.usecases.supply_chain.pretrain import pretrained_base
from workbench.usecases.supply_chain.task import QuantileTask, pinball
from workbench.windows import DemandPanel


def test_forward_shapes_and_monotone_quantiles(tiny_task):
    model = QuantileForecaster(arch_config(tiny_task))
    past, future = torch.randn(3, 28, 5), torch.randn(3, 14, 14)
    daily, cum = model(past, future)
    assert daily.shape == cum.shape == (3, 14, len(tiny_task.quantiles))
    assert (daily >= 0).all() and (torch.diff(daily, dim=-1) >= 0).all()
    assert (torch.diff(cum, dim=1) >= 0).all()


def test_pinball_task_loss_by_hand():
    pred = torch.tensor([[[1.0, 3.0]]])                                       # (1, 1, 2)
    target = torch.tensor([[2.0]])
    loss = pinball(pred, target, torch.tensor([0.1, 0.9]), torch.ones(1, 1))
    assert float(loss) == pytest.approx((0.1 * 1 + 0.1 * 1) / 2)
    task = QuantileTask([0.1, 0.9])
    m = task.epoch_metrics(pred, target)
    assert m["val_coverage"] == 1.0 and m["val_wql"] == pytest.approx(np.mean([2 * 0.1 / 2, 2 * 0.1 / 2]))


def _pinball_demand_units(pred, target, taus, mask):
    """Brute force: every point's pinball loss in demand units, looped, and the sum of observed points."""
    total, points = 0.0, 0.0
    for b in range(len(pred)):
        for h in range(len(pred[b])):
            if mask[b][h]:
                points += 1
                for q, t in enumerate(taus):
                    d = target[b][h] - pred[b][h][q]
                    total += max(t * d, (t - 1) * d)
    return total, points


def test_volume_power_weights_windows_by_their_scale():
    g = torch.Generator().manual_seed(0)
    B, H, taus = 5, 4, [0.1, 0.5, 0.9]
    scale = torch.tensor([0.2, 1.0, 3.0, 10.0, 50.0])
    raw_pred = torch.rand(B, H, 3, generator=g).sort(dim=-1).values * 60   # demand units
    raw_target = torch.rand(B, H, generator=g) * 60
    mask = torch.ones(B, H)
    mask[0, 1] = mask[3, 2] = 0
    batch = {"target": raw_target / scale[:, None], "mask": mask, "scale": scale}
    pred = raw_pred / scale[:, None, None]                                   # what the model sees: scaled units
    t = torch.tensor(taus)
    # Power 0 is the unweighted loss of before.
    assert QuantileTask(taus).window_weights(batch) is None
    assert float(pinball(pred, batch["target"], t, mask, None)) == pytest.approx(
        float(pinball(pred, batch["target"], t, mask)))
    # Power 1: the loss in demand units, divided by the volume of the observed points.
    w = QuantileTask(taus, volume_power=1.0).window_weights(batch)
    assert float(w.mean()) == pytest.approx(1.0)
    got = float(pinball(pred, batch["target"], t, mask, w))
    total, _ = _pinball_demand_units(raw_pred.tolist(), raw_target.tolist(), taus, mask.tolist())
    volume = float((mask * scale[:, None]).sum())
    assert got == pytest.approx(total / (volume * len(taus)), rel=1e-5)
    # ... and the largest window dominates: dropping the slow movers barely moves it.
    keep = scale >= 10
    sub = {"target": batch["target"][keep], "mask": mask[keep], "scale": scale[keep]}
    w_sub = QuantileTask(taus, volume_power=1.0).window_weights(sub)
    unweighted = float(pinball(pred, batch["target"], t, mask))
    assert abs(float(pinball(pred[keep], sub["target"], t, sub["mask"], w_sub)) - got) < abs(
        float(pinball(pred[keep], sub["target"], t, sub["mask"])) - unweighted)


def test_base_is_cached(tiny_task, tiny_base):
    model, info = tiny_base
    again, info2 = pretrained_base(tiny_task)
    assert info2["from_cache"] and info2["path"] == info["path"]
    for (k, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items()):
        torch.testing.assert_close(a, b, msg=k)
    assert info["train_windows"] > 0 and info["val_loss"]


def test_lora_fit_save_load_merge_round_trip(tiny_task, tiny_base, tiny_demand, tmp_path):
    from workbench.config import TrainArgs

    base, info = tiny_base
    est = DemandForecaster(task=tiny_task, train=TrainArgs(max_epochs=1, batch_size=64, progress_bar=False), mode="lora")
    assert est.fit(tiny_demand) is est
    assert est.n_train_windows_ > 0 and not est.history_.empty
    trainable = [n for n, p in est.model_.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    # The base weights are untouched by LoRA training.
    for (n, a), (_, b) in zip(base.state_dict().items(), pretrained_base(tiny_task)[0].state_dict().items()):
        torch.testing.assert_close(a, b, msg=n)
    fc = est.predict(tiny_demand)
    panel = DemandPanel.from_frame(tiny_demand)
    assert fc.daily.shape == (len(panel), tiny_task.horizon, len(tiny_task.quantiles))
    assert (fc.origins[:, 1] == len(panel.dates)).all()                       # from the day after the data

    est.save(tmp_path / "adapter")
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    again = DemandForecaster.load(tmp_path / "adapter")
    np.testing.assert_allclose(again.predict(tiny_demand).daily, fc.daily, rtol=1e-5, atol=1e-5)
    merged = merge_adapter(again.model_)
    from workbench.usecases.supply_chain.backtest import forecast_model

    # The saved forecaster keeps its validation-period quantile calibration (task.calibrate_quantiles) ...
    cal = est.quantile_calibration_
    assert again.quantile_calibration_.to_dict() == cal.to_dict() and len(cal.pooled) == len(tiny_task.quantiles)
    assert est.calibration_report_["val_pinball_calibrated"] <= est.calibration_report_["val_pinball_raw"] + 1e-9
    raw = forecast_model(merged, panel, fc.origins, tiny_task)
    # ... and the merged model gives the same forecasts once it is applied.
    np.testing.assert_allclose(est.calibrate(raw, panel).daily, fc.daily, rtol=1e-4, atol=1e-4)
    other = QuantileForecaster(arch_config(tiny_task))
    with pytest.raises(AdapterMismatchError):
        DemandForecaster.load(tmp_path / "adapter", base=other)


def test_full_and_frozen_modes(tiny_task, tiny_base, tiny_demand, tmp_path):
    from workbench.config import TrainArgs

    base, _ = tiny_base
    frozen = DemandForecaster(task=tiny_task, mode="frozen", base=base).fit(tiny_demand)
    assert frozen.model_ is base
    full = DemandForecaster(task=tiny_task, mode="full", base=base,
                            train=TrainArgs(max_epochs=1, batch_size=64, progress_bar=False)).fit(tiny_demand)
    assert all(p.requires_grad for p in full.model_.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(full.model_.state_dict().values(), base.state_dict().values()))
    full.save(tmp_path / "full")
    again = DemandForecaster.load(tmp_path / "full")
    np.testing.assert_allclose(again.predict(tiny_demand).daily, full.predict(tiny_demand).daily, rtol=1e-6)
    with pytest.raises(ValueError, match="mode must be"):
        DemandForecaster(task=tiny_task, mode="half", base=base).fit(tiny_demand)
    with pytest.raises(RuntimeError, match="not fitted"):
        DemandForecaster(task=tiny_task).predict(tiny_demand)


def test_base_cache_key_follows_the_split_settings(tiny_task):
    """Issue 12: pretraining stops test_periods + val_periods before the end, so both belong in the key."""
    import dataclasses

    from workbench.usecases.supply_chain.pretrain import _base_key

    key = _base_key(tiny_task)
    assert _base_key(dataclasses.replace(tiny_task, test_periods=tiny_task.test_periods + 7)) != key
    assert _base_key(dataclasses.replace(tiny_task, val_periods=tiny_task.val_periods + 7)) != key
    assert _base_key(dataclasses.replace(tiny_task, service_level=0.9)) == key   # not a pretraining setting
    assert _base_key(tiny_task, "D") == key and _base_key(tiny_task, "W") != key   # a weekly base is another one
    assert _base_key(tiny_task, "MS") == _base_key(tiny_task, "ME") != _base_key(tiny_task, "W")


def test_a_monthly_base_pretrains_on_months_and_an_adapter_finds_it_again(make_tiny, tmp_path):
    """Weekly and monthly data get a base pretrained on the simulation summed to weeks or months (over
    enough days for their contexts); the adapter records the frequency, and load finds that base."""
    from workbench.usecases.supply_chain.pretrain import pretrain_days
    from workbench.usecases.supply_chain.simulate import SimulationSpec, simulate_demand, summed_demand

    task = make_tiny(context_length=12, horizon=3, patch_length=3, patch_stride=3, val_periods=6, test_periods=6,
                     min_history=6, pretrain_stride=1, window_stride=1)
    assert pretrain_days(task, "D") == task.sim_days and pretrain_days(task, "MS") == 31 * (5 * 12 + 3 + 6 + 6)
    base, info = pretrained_base(task, freq="MS")
    assert info["freq"] == "MS" and info["sim_days"] == pretrain_days(task, "MS") and info["train_windows"] > 0
    again, info2 = pretrained_base(task, freq="MS")
    assert info2["from_cache"] and info2["path"] == info["path"] != pretrained_base(task)[1]["path"]
    months = summed_demand(simulate_demand(SimulationSpec(n_skus=3, n_days=3 * 365, regions=("Ost",), seed=5)).demand,
                           "MS")
    est = DemandForecaster(task=task, mode="lora", seed=0).fit(months)
    assert est.freq_ == "MS" and est.base_info_["path"] == info["path"]
    loaded = DemandForecaster.load(est.save(tmp_path / "adapter"))
    assert loaded.freq_ == "MS" and loaded.base_info_["path"] == info["path"]
    np.testing.assert_allclose(loaded.predict(months).daily, est.predict(months).daily, rtol=1e-5)


def test_the_default_bases_ship_with_the_package_and_a_damaged_one_is_refused(tmp_path):
    """The default config's daily, weekly and monthly bases are in the package: pretrained_base uses them
    without pretraining (sha256 checked), and a base whose weights changed is refused."""
    import shutil

    from workbench.usecases.supply_chain import default_config
    from workbench.usecases.supply_chain.config import for_frequency
    from workbench.usecases.supply_chain.pretrain import SHIPPED_DIR, _base_key, shipped_base

    for freq in ("D", "W", "MS"):
        task, _ = for_frequency(default_config().task, freq)
        key = _base_key(task, freq)
        assert (SHIPPED_DIR / f"supply-base-{key}").is_dir(), f"no shipped {freq} base for the default settings"
        model, info = pretrained_base(task, freq=freq)
        assert info["from_shipped"] and info["key"] == key and info.get("freq", "D") == freq
        assert sum(p.numel() for p in model.parameters()) == info["parameters"]
    assert "sha256" in (SHIPPED_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    copy = tmp_path / f"supply-base-{key}"
    shutil.copytree(SHIPPED_DIR / f"supply-base-{key}", copy)
    with open(copy / "model.safetensors", "r+b") as f:
        f.seek(-4, 2)
        f.write(b"\x00\x01\x02\x03")
    with pytest.raises(ValueError, match="does not match info.json .* the shipped base is damaged"):
        shipped_base(key, tmp_path)
    assert shipped_base("0" * 16, tmp_path) is None
    # The names' old home still works (users' notebooks import them from model).
    from workbench.usecases.supply_chain import model as old_home
    from workbench.usecases.supply_chain.model import pretrained_base as old_name

    assert old_name is pretrained_base and old_home.SHIPPED_DIR == SHIPPED_DIR
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        old_home.nothing_here


def test_the_base_competes_with_every_trained_epoch(tiny_task, tiny_base, tiny_demand):
    """Adapting never ends with a higher validation loss than the base: the run records both losses,
    and when training does not lower it the adapted model gets the base's function back (LoRA: B = 0;
    full fine-tuning: the base's weights)."""
    from workbench.config import LoraArgs, TrainArgs
    from workbench.lora import apply_lora
    from workbench.usecases.supply_chain.model import LORA_TARGETS, _reset_to_base, clone_model

    base, _ = tiny_base
    est = DemandForecaster(task=tiny_task, mode="lora", base=base, seed=0,
                           train=TrainArgs(max_epochs=2, batch_size=64, lr=2e-3, progress_bar=False)).fit(tiny_demand)
    assert set(est.val_loss_) == {"base", "adapted"} and est.kept_base_ == (est.val_loss_["adapted"] >= est.val_loss_["base"])
    x = DemandForecaster(task=tiny_task, mode="frozen", base=base).fit(tiny_demand)
    want = x.predict(tiny_demand, calibrated=False).daily
    torch.manual_seed(1)
    lora = apply_lora(clone_model(base), LoraArgs(r=4, alpha=8, dropout=0.0, target_modules=list(LORA_TARGETS)),
                      task_type=None)
    full = clone_model(base)
    for model in (lora, full):
        with torch.no_grad():
            for name, p in model.named_parameters():
                if "lora_B" in name or model is full:
                    p.add_(torch.randn_like(p) * 0.5)  # an adapted model far from the base
        x.model_ = model.eval()
        assert not np.allclose(x.predict(tiny_demand, calibrated=False).daily, want, atol=1e-3)
        _reset_to_base(model, base)
        np.testing.assert_allclose(x.predict(tiny_demand, calibrated=False).daily, want, rtol=1e-5, atol=1e-5)
