"""Helper script for tests/test_distributed.py: train a tiny LoRA model with workbench.fit.

Run single-process (``python tests/ddp_train_script.py OUT --devices 1 --batch-size 8``) or under
torchrun with 2 processes (``torchrun --nproc_per_node 2 tests/ddp_train_script.py OUT --devices 2
--strategy ddp --batch-size 4``). Only rank 0 saves the adapter and writes ``done.json``; every
rank writes ``rank<k>.json`` so the test can see that both processes trained.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workbench.config import LoraArgs, TrainArgs  # noqa: E402
from workbench.lora import apply_lora, save_adapter  # noqa: E402
from workbench.training import StepOutput, fit, make_loader  # noqa: E402


class RegressionTask:
    """Mean squared error on (x, y) pairs."""

    # val_loss is synchronised across ranks (sync_dist); the epoch train loss is not, so under
    # DDP "best epoch by train loss" would be judged on rank 0's half of the data only.
    monitor = "val_loss"
    monitor_mode = "min"

    def step(self, model, batch):
        x, y = batch
        pred = model(x).squeeze(-1)
        return StepOutput(loss=nn.functional.mse_loss(pred, y))

    def epoch_metrics(self, preds, target):
        return {}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("--devices", type=int, default=1)
    p.add_argument("--strategy", default="auto")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=6)
    args = p.parse_args()
    torch.set_num_threads(1)

    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 16, generator=g)
    y = torch.sin(x[:, 0]) + 0.5 * x[:, 1] * x[:, 2]
    data = list(zip(x, y))
    torch.manual_seed(0)
    base = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    model = apply_lora(base, LoraArgs(r=4, alpha=8, dropout=0.0, target_modules=["0", "2", "4"]))
    # Full-batch steps (64 samples, or 2 x 32 under DDP): Lightning re-shuffles training data
    # across ranks with its own DistributedSampler, so only a step that sees every sample is
    # the same step in both runs. max_steps fixes the length of the LR schedule in both.
    loader = make_loader(data, args.batch_size, shuffle=False)
    targs = TrainArgs(max_epochs=100, max_steps=args.steps, batch_size=args.batch_size, lr=1e-2, weight_decay=0.0,
                      warmup_ratio=0.0, grad_clip=None, accelerator="cpu", devices=args.devices,
                      strategy=args.strategy, progress_bar=False, logger="none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit(model, RegressionTask(), loader, make_loader(data, args.batch_size, shuffle=False), targs, args.out / "run", resume=False, seed=0)
    rank = int(os.environ.get("RANK", "0"))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"rank{rank}.json").write_text(json.dumps({"samples": res.samples, "rank": rank}))
    if res.extra.get("is_global_zero", True):
        save_adapter(model, args.out / "adapter", base_model_id="tiny-mlp")
        (args.out / "done.json").write_text(json.dumps({"samples": res.samples, "epochs": res.epochs}))


if __name__ == "__main__":
    main()
