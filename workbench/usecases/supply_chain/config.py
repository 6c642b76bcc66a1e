"""Settings of the supply-chain use case: the ``task`` section of a :class:`workbench.config.RunConfig`.

Everything the forecaster, the backtest and the inventory simulation need beyond the core
sections (``lora``, ``train``, ...). Load it from YAML with::

    from workbench.config import RunConfig
    from workbench.usecases.supply_chain.config import SupplyTaskArgs
    cfg = RunConfig.from_yaml("configs/supply_chain/tiny.yaml", task_cls=SupplyTaskArgs)

or build it in Python (notebooks). ``problems(prefix)`` lists every invalid field at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

SERVABLE = ("recommended", "adapter", "frozen_base", "blend", "full_finetune", "lightgbm", "ets", "croston_tsb",
            "seasonal_naive")
"""Values of ``task.serve``: the recommended model or one by name."""


@dataclass
class SupplyTaskArgs:
    """Forecast, backtest, inventory and simulation settings.

    Every length counts **periods** of the data: days on daily data, weeks on weekly data, months
    on monthly data (the defaults are for daily data). Only the simulator's ``sim_days`` are days.
    """

    ALIASES: ClassVar[dict[str, str]] = {"val_days": "val_periods", "test_days": "test_periods"}
    """Old setting names still accepted (with a deprecation note): they counted periods, not days."""

    # --- forecast shape
    context_length: int = 112
    """Periods of history the model sees (112 days = 16 weeks on daily data)."""
    horizon: int = 28
    """Periods forecast from each origin (28 days on daily data); must cover lead_time + review_period."""
    quantiles: list = field(default_factory=lambda: [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.98])
    """Quantile levels forecast (ascending, must include 0.5 and should bracket the service levels)."""
    season_length: int = 7
    """Season in periods of the seasonal-naive baseline and the ETS model (7 for daily data with a
    weekly cycle, 52 for weekly data with a yearly one, 12 for monthly)."""
    # --- backbone and head
    patch_length: int = 14
    """PatchTST patch length in periods (two weeks per token on daily data)."""
    patch_stride: int = 14
    """PatchTST patch stride in periods (= patch_length: non-overlapping patches, half the cost of
    stride 7 on CPU, measured 0.7 s vs 3.1 s per 256-window step on a shared 2-core machine)."""
    d_model: int = 32
    """PatchTST hidden size."""
    num_layers: int = 2
    """PatchTST encoder layers."""
    num_heads: int = 4
    """Attention heads (divide d_model)."""
    ffn_dim: int = 64
    """PatchTST feed-forward size."""
    dropout: float = 0.1
    """Dropout in the backbone."""
    head_hidden: int = 64
    """Hidden size of the quantile head (and of the context projection)."""
    covariate_dim: int = 32
    """Size of the future-covariate embedding."""
    # --- base model pretraining on simulated demand
    pretrain_epochs: int = 8
    """Epochs of supervised (pinball) pretraining of the base on the source regions."""
    pretrain_lr: float = 2e-3
    """Learning rate of pretraining."""
    pretrain_batch_size: int = 256
    """Batch size of pretraining."""
    pretrain_stride: int = 7
    """Periods between training origins in pretraining (weekly and monthly data: 1, ``for_frequency``)."""
    sim_skus: int = 40
    """SKUs in the simulated history (every SKU at every DC)."""
    sim_days: int = 730
    """Days of simulated history."""
    sim_seed: int = 0
    """Seed of the simulator."""
    source_regions: list = field(default_factory=lambda: ["Süd", "West", "Nord"])
    """Regions the base model is pretrained on."""
    target_region: str = "Ost"
    """Region the adapter is trained for (simulated data; ignored for a user's file)."""
    calendar: str | None = None
    """M5-style calendar file joined by day (events -> holiday channel, ``snap_*`` -> promotion
    channel, ``wm_yr_wk`` for prices); ``None``: covariates come from the demand file only."""
    prices: str | None = None
    """M5-style weekly price file (``store_id, item_id, wm_yr_wk, sell_price``) joined as ``price``."""
    leading_zeros: str = "demand"
    """``demand``: zeros before a series' first sale are zero demand; ``missing``: the item was not
    listed yet, so those periods are dropped (M5 wide files list every item from day 1)."""
    sim_preset: str = "default"
    """Shape of the simulated target set when no file is given: ``default`` (``target_region``,
    ``sim_skus`` SKUs, ``sim_days`` days) or ``m5`` (the M5 competition's shape: 10 DCs in five
    regions, 3,049 SKUs, 1,941 days, 30,490 series; simulated straight into dense float32 arrays)."""
    target_skus: int | None = None
    """SKUs of the simulated target set (``None``: ``sim_skus``, or 3,049 for ``m5``); with ``m5``
    every SKU is stocked at 10 DCs, so 100 SKUs give 1,000 series."""
    max_train_windows: int | None = None
    """Train the adapter on at most this many (series, origin) windows, drawn at random (seeded)
    from all eligible ones; ``None`` takes all. At M5 size there are ~50 million windows with
    ``window_stride`` 1: a sample keeps one epoch at a bounded cost while windows stay lazy."""
    # --- adaptation and backtest
    window_stride: int = 1
    """Periods between training origins when adapting (1 = every period)."""
    loss_volume_power: float = 0.0
    """How much a training window's volume counts in the adapter's loss: each window's pinball loss
    (in units of its context mean) is weighted by that mean to this power. 0 = every window alike;
    1 = as in the weighted quantile loss in demand units, where fast movers dominate. Pretraining
    of the base is unweighted whatever this says."""
    min_history: int = 14
    """Minimum observed periods before an origin (shorter series are reported, not forecast)."""
    val_periods: int = 42
    """Periods before the test period used for validation (>= horizon; formerly ``val_days``)."""
    test_periods: int = 91
    """Periods at the end held out for the rolling-origin backtest (>= horizon; formerly ``test_days``)."""
    full_finetune: bool = True
    """Also fine-tune all weights of a copy of the base, for comparison with LoRA."""
    baselines: list = field(default_factory=lambda: ["seasonal_naive", "ets", "croston_tsb", "lightgbm"])
    """Classical baselines to run: seasonal_naive, ets, croston_tsb (Croston family, TSB variant: the
    standard for intermittent spare-parts demand), lightgbm."""
    segment_columns: list = field(default_factory=lambda: ["sbc_class", "family", "dc"])
    """Columns for per-segment results (``sbc_class`` is computed from the training history)."""
    # --- inventory policy
    service_level: float = 0.95
    """Target cycle service level of the (R, S) policy."""
    lead_time: int = 3
    """Replenishment lead time in periods."""
    review_period: int = 7
    """Periods between orders."""
    holding_rate: float = 0.25
    """Holding cost per year as a share of the unit price."""
    shortage_rate: float = 0.5
    """Cost of a lost unit as a share of its price."""
    order_cost: float = 10.0
    """Fixed cost per order."""
    calibrate_service: bool = False
    """Conformally correct the neural models' order-up-to levels on the validation period
    (``backtest.calibrate``). Off by default: on the benchmark (region Ost, 6 validation weeks,
    pooled over all series) it over-shot, 97.7 % cycle service for a 95 % target at a third more
    stock, while the raw cumulative quantiles achieved 94.0 %. Worth trying with a longer
    validation period or when the raw service level misses the target by more than 2 points."""
    calibrate_quantiles: bool = True
    """Shift each daily quantile of the adapted models (adapter, full fine-tuning) by the shift that
    minimises its pinball loss on the validation period, on the count scale and per zero-share
    group of series (``calibration.fit_quantile_calibration``), so that intervals cover their
    nominal level on the user's data."""
    calibration_method: str = "shift"
    """How the calibration moves each quantile level: ``shift`` (add a multiple of the window's
    mean demand), ``width`` (scale its distance from the median, which stays as it is) or ``auto``
    (both, keeping the one of lower validation pinball loss per model)."""
    blend: bool = True
    """Also score a blend of the adapter and the LightGBM baseline: their calibrated quantiles averaged
    level by level, with the weight (0, 0.1, ..., 1) of least pinball loss on the validation period.
    Needs ``lightgbm`` among the baselines and both calibrations; the recommendation takes the blend
    only when it beats every single model there by more than 1 %."""
    serve: str = "recommended"
    """What ``workbench evaluate/predict`` use with an adapter folder: ``"recommended"`` (the model
    the run recommended on the validation period: the adapter, the blend, full fine-tuning, LightGBM,
    ETS, Croston-TSB or seasonal naive), or one of those by name (``adapter``, ``blend``,
    ``full_finetune``, ``lightgbm``, ``ets``, ``croston_tsb``, ``seasonal_naive``). LightGBM's trees
    and the fully fine-tuned weights are stored in the folder; the local statistical models are
    refitted on the history they forecast from. Every served model keeps the quantile calibration it
    got on the run's validation period. The frozen base is not served. Training ignores it."""
    calibrate_baselines: bool = True
    """Calibrate the frozen base and the baselines the same way, so that every model's intervals
    are compared on equal terms. Baselines are refitted on the training period to forecast the
    validation period (they see it when forecasting the test period); their raw figures stay in
    ``results.json`` (``quantile_calibration``)."""
    service_levels: list = field(default_factory=lambda: [0.8, 0.85, 0.9, 0.95, 0.98])
    """Targets for the service-versus-stock curve."""

    def problems(self, prefix: str = "task") -> list[str]:
        """Every invalid field, each naming its field."""
        p = []
        for name in ("context_length", "horizon", "season_length", "patch_length", "patch_stride", "d_model",
                     "num_layers", "num_heads", "ffn_dim", "head_hidden", "covariate_dim", "pretrain_epochs",
                     "pretrain_batch_size", "pretrain_stride", "sim_skus", "window_stride", "review_period"):
            if int(getattr(self, name)) < 1:
                p.append(f"{prefix}.{name}: must be >= 1, got {getattr(self, name)}")
        if self.patch_length > self.context_length:
            p.append(f"{prefix}.patch_length: must be <= context_length ({self.context_length}), got {self.patch_length}")
        if self.num_heads >= 1 and self.d_model % self.num_heads:
            p.append(f"{prefix}.d_model: must be divisible by num_heads ({self.num_heads}), got {self.d_model}")
        q = list(self.quantiles)
        if not q or any(not 0 < x < 1 for x in q) or q != sorted(set(q)):
            p.append(f"{prefix}.quantiles: must be strictly ascending levels in (0, 1), got {q}")
        elif 0.5 not in q:
            p.append(f"{prefix}.quantiles: must include 0.5 (the point forecast), got {q}")
        elif not q[0] <= self.service_level <= q[-1]:
            p.append(f"{prefix}.service_level: {self.service_level} lies outside the quantile grid {q}; "
                     "add a quantile at or above it")
        if not 0 < self.service_level < 1:
            p.append(f"{prefix}.service_level: must be in (0, 1), got {self.service_level}")
        if self.lead_time < 0:
            p.append(f"{prefix}.lead_time: must be >= 0, got {self.lead_time}")
        if self.lead_time + self.review_period > self.horizon:
            p.append(f"{prefix}.horizon: must cover lead_time + review_period = "
                     f"{self.lead_time + self.review_period} days, got {self.horizon}")
        if self.val_periods < self.horizon:
            p.append(f"{prefix}.val_periods: must be >= horizon ({self.horizon}), got {self.val_periods}")
        if self.test_periods < self.horizon:
            p.append(f"{prefix}.test_periods: must be >= horizon ({self.horizon}), got {self.test_periods}")
        if not 0 <= float(self.loss_volume_power) <= 2:
            p.append(f"{prefix}.loss_volume_power: must be in [0, 2], got {self.loss_volume_power}")
        if self.leading_zeros not in ("demand", "missing"):
            p.append(f"{prefix}.leading_zeros: must be 'demand' or 'missing', got {self.leading_zeros!r}")
        if self.calibration_method not in ("shift", "width", "auto"):
            p.append(f"{prefix}.calibration_method: must be 'shift', 'width' or 'auto', got "
                     f"{self.calibration_method!r}")
        if self.sim_preset not in ("default", "m5"):
            p.append(f"{prefix}.sim_preset: must be 'default' or 'm5', got {self.sim_preset!r}")
        if self.target_skus is not None and int(self.target_skus) < 1:
            p.append(f"{prefix}.target_skus: must be >= 1 or null, got {self.target_skus}")
        if self.max_train_windows is not None and int(self.max_train_windows) < 1:
            p.append(f"{prefix}.max_train_windows: must be >= 1 or null, got {self.max_train_windows}")
        if self.sim_days < self.context_length + self.horizon + self.val_periods + self.test_periods:
            p.append(f"{prefix}.sim_days: must be >= context_length + horizon + val_periods + test_periods "
                     f"({self.context_length + self.horizon + self.val_periods + self.test_periods}), got {self.sim_days}")
        if self.serve not in SERVABLE:
            p.append(f"{prefix}.serve: expected one of {', '.join(SERVABLE)}, got {self.serve!r}")
        bad = [b for b in self.baselines if b not in ("seasonal_naive", "ets", "croston_tsb", "lightgbm")]
        if bad:
            p.append(f"{prefix}.baselines: unknown {bad}; expected seasonal_naive, ets, croston_tsb, lightgbm")
        for name in ("holding_rate", "shortage_rate", "order_cost"):
            if getattr(self, name) < 0:
                p.append(f"{prefix}.{name}: must be >= 0, got {getattr(self, name)}")
        if any(not 0 < x < 1 for x in self.service_levels):
            p.append(f"{prefix}.service_levels: must lie in (0, 1), got {self.service_levels}")
        from workbench.usecases.supply_chain.simulate import REGION_PROFILES

        for r in [*self.source_regions, self.target_region]:
            if r not in REGION_PROFILES:
                p.append(f"{prefix}.source_regions/target_region: unknown region {r!r}, expected {sorted(REGION_PROFILES)}")
        if self.target_region in self.source_regions:
            p.append(f"{prefix}.target_region: {self.target_region!r} is also a source region; adaptation needs a new one")
        if not 0 < self.dropout < 1 and self.dropout != 0:
            p.append(f"{prefix}.dropout: must be in [0, 1), got {self.dropout}")
        return p

    def inventory_policy(self, service_level: float | None = None):
        """The :class:`InventoryPolicy` these settings describe."""
        from workbench.usecases.supply_chain.inventory import InventoryPolicy

        return InventoryPolicy(service_level=self.service_level if service_level is None else service_level,
                               lead_time=self.lead_time, review_period=self.review_period,
                               holding_rate=self.holding_rate, shortage_rate=self.shortage_rate,
                               order_cost=self.order_cost)


SMOKE_LENGTHS: dict[str, int] = {"context_length": 56, "horizon": 14, "val_periods": 14, "test_periods": 28}
"""The daily lengths of the smoke preset (``default_config(smoke=True)``)."""

# Lengths that suit weekly and monthly data, used where a run left the daily defaults untouched:
# a year of context, a season of a year, a planning horizon of two months or a quarter, one
# period of lead time and review (a weekly or monthly ordering rhythm), and a pretraining origin
# every period: the base pretrains on the simulation summed to the data's frequency.
FREQUENCY_DEFAULTS: dict[str, dict[str, int]] = {
    "W": {"context_length": 52, "patch_length": 4, "patch_stride": 4, "horizon": 8, "season_length": 52,
          "val_periods": 8, "test_periods": 13, "min_history": 8, "lead_time": 1, "review_period": 1,
          "pretrain_stride": 1},
    "MS": {"context_length": 24, "patch_length": 3, "patch_stride": 3, "horizon": 3, "season_length": 12,
           "val_periods": 6, "test_periods": 12, "min_history": 6, "lead_time": 1, "review_period": 1,
           "pretrain_stride": 1},
}
FREQUENCY_DEFAULTS["ME"] = FREQUENCY_DEFAULTS["MS"]


def for_frequency(args: SupplyTaskArgs, freq: str) -> tuple[SupplyTaskArgs, dict[str, list[int]]]:
    """The settings with daily-default lengths replaced by the weekly or monthly ones.

    Every length counts periods, and the defaults are for daily data: 28 "periods" of horizon are
    28 months on a monthly file, which no spare-parts history can back-test. So for weekly or
    monthly data every length that still has its daily default value (of the default or the smoke
    preset) becomes the value of :data:`FREQUENCY_DEFAULTS`; a length the user set keeps the
    user's value.

    Args:
        args: The run's task settings (not changed).
        freq: The panel's frequency (``D``, ``W``, ``MS`` or ``ME``).

    Returns:
        ``(settings to use, {name: [daily default, value used]})``; the same object and ``{}`` for
        daily data.
    """
    import dataclasses

    table = FREQUENCY_DEFAULTS.get(freq)
    if not table:
        return args, {}
    daily = SupplyTaskArgs()
    changed = {}
    for name, value in table.items():
        now = getattr(args, name)
        if now != value and now in (getattr(daily, name), SMOKE_LENGTHS.get(name)):
            changed[name] = [now, value]
    return dataclasses.replace(args, **{name: v for name, (_, v) in changed.items()}), changed
