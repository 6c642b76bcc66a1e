"""The training task of the supply-chain forecaster: pinball loss on daily and cumulative quantiles.

``workbench.training.fit`` takes a *task* object (see docs/architecture.md); this one turns a
batch of :class:`~workbench.windows.ForecastWindows` items into the
quantile loss. Two outputs are trained together:

* daily quantiles ``q_tau(y_{o+h})`` for h = 0..H-1 (the fan chart and the accuracy metrics),
* cumulative quantiles ``q_tau(sum_{j<=h} y_{o+j})`` (the inventory decision needs the quantile
  of demand over the protection interval, which is *not* the sum of daily quantiles).

The cumulative pinball term at step h is divided by h + 1, so that long sums (larger numbers)
do not dominate the daily term. Everything is in scaled units (demand / context mean), so every
window counts alike. ``volume_power`` > 0 weights each window by its context mean to that power
(normalised over the batch): 1 gives the weight a window has in the weighted quantile loss that
the run reports in demand units, where fast movers dominate.

Usage::

    task = QuantileTask(quantiles=[0.1, 0.5, 0.9])
    result = fit(model, task, train_loader, val_loader, train_args, run_dir)
"""

from __future__ import annotations

import torch

from workbench.training import StepOutput


def pinball(pred: torch.Tensor, target: torch.Tensor, taus: torch.Tensor, mask: torch.Tensor,
            weight: torch.Tensor | None = None) -> torch.Tensor:
    """Masked mean pinball loss.

    Args:
        pred: ``(B, H, Q)`` quantile forecasts.
        target: ``(B, H)`` actuals.
        taus: ``(Q,)`` levels.
        mask: ``(B, H)`` 1 where the actual is observed.
        weight: ``(B,)`` weight of each window (mean 1 over the batch), or ``None`` for equal weights.

    Returns:
        Scalar loss (mean over observed points and quantiles; weighted mean with ``weight``).
    """
    diff = target.unsqueeze(-1) - pred                                   # (B, H, Q)
    loss = torch.maximum(taus * diff, (taus - 1) * diff)                  # Koenker & Bassett (1978)
    if weight is not None:
        mask = mask * weight[:, None]
    w = mask.unsqueeze(-1)
    return (loss * w).sum() / (w.sum() * len(taus)).clamp_min(1e-9 if weight is not None else 1.0)


class QuantileTask:
    """Task for :func:`workbench.training.fit`: quantile regression with a monotone head.

    Args:
        quantiles: Levels the model outputs, ascending.
        cumulative_weight: Weight of the cumulative-demand term relative to the daily one.
        volume_power: Weight of a window: its context mean (``batch["scale"]``) to this power,
            divided by the batch mean. 0 (default) weighs every window alike.
    """

    monitor = "val_loss"
    monitor_mode = "min"

    def __init__(self, quantiles, cumulative_weight: float = 1.0, volume_power: float = 0.0):
        self.quantiles = list(quantiles)
        self.cumulative_weight = cumulative_weight
        self.volume_power = float(volume_power)
        self._taus = torch.tensor(self.quantiles, dtype=torch.float32)

    def window_weights(self, batch: dict) -> torch.Tensor | None:
        """Per-window loss weights ``scale ** volume_power`` with batch mean 1 (``None`` at power 0)."""
        if self.volume_power == 0:
            return None
        w = batch["scale"].to(batch["target"].dtype) ** self.volume_power
        return w / w.mean().clamp_min(1e-12)

    def losses(self, model: torch.nn.Module, batch: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return ``(loss, daily, cumulative)`` for a batch."""
        daily, cum = model(batch["past"], batch["future"])               # (B, H, Q) each
        taus = self._taus.to(daily.device, daily.dtype)
        mask = batch["mask"]
        target = batch["target"]
        weight = self.window_weights(batch)
        loss_daily = pinball(daily, target, taus, mask, weight)
        # Cumulative actuals; an unobserved day makes all later sums unobserved.
        cum_target = torch.cumsum(target, dim=1)
        # Unobserved days inside the horizon (a closed shop on Saturdays) add nothing to the sum
        # (their target is 0); the sum counts once at least one of its days is observed. A product
        # of the mask would drop every sum after the first closed day.
        cum_mask = (torch.cumsum(mask, dim=1) > 0).to(mask.dtype)
        steps = torch.arange(1, target.shape[1] + 1, device=target.device, dtype=target.dtype)
        loss_cum = pinball(cum / steps[:, None], cum_target / steps[None, :], taus, cum_mask, weight)
        return loss_daily + self.cumulative_weight * loss_cum, daily, cum

    def step(self, model: torch.nn.Module, batch: dict) -> StepOutput:
        """Loss and (daily quantile) predictions of one batch."""
        loss, daily, _ = self.losses(model, batch)
        target = torch.where(batch["mask"] > 0, batch["target"], torch.full_like(batch["target"], float("nan")))
        return StepOutput(loss=loss, preds=daily.detach(), target=target.detach())

    def epoch_metrics(self, preds: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
        """Validation weighted quantile loss and 5-95 (outer-quantile) coverage in scaled units."""
        ok = ~torch.isnan(target)
        y = torch.where(ok, target, torch.zeros_like(target))
        taus = self._taus.to(preds.dtype)
        diff = y.unsqueeze(-1) - preds
        pin = torch.maximum(taus * diff, (taus - 1) * diff) * ok.unsqueeze(-1)
        denom = y.abs().sum().clamp_min(1e-9)
        wql = float((2 * pin.sum(dim=(0, 1)) / denom).mean())
        inside = ((y >= preds[..., 0]) & (y <= preds[..., -1]) & ok).sum()
        cov = float(inside / ok.sum().clamp_min(1))
        return {"val_wql": wql, "val_coverage": cov}
