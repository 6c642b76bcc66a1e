"""Fixtures of the supply-chain tests: tiny settings and one tiny pretrained base per session."""

from __future__ import annotations

import pytest

from workbench.usecases.supply_chain.config import SupplyTaskArgs


def tiny_args(**over) -> SupplyTaskArgs:
    """Settings small enough for a few seconds of CPU per fit."""
    base = dict(context_length=28, horizon=14, patch_length=7, patch_stride=7, d_model=8, num_layers=1, num_heads=2,
                ffn_dim=16, head_hidden=16, covariate_dim=8, sim_skus=4, sim_days=150, val_periods=14, test_periods=28,
                pretrain_epochs=1, pretrain_batch_size=128, pretrain_stride=7, window_stride=4, min_history=7,
                baselines=["seasonal_naive", "ets"], service_levels=[0.8, 0.95], full_finetune=False)
    base.update(over)
    return SupplyTaskArgs(**base)


@pytest.fixture(scope="session")
def tiny_task() -> SupplyTaskArgs:
    return tiny_args()


@pytest.fixture(scope="session")
def tiny_base(tiny_task):
    """The tiny base model, pretrained once per session (cached under WORKBENCH_HOME)."""
    from workbench.usecases.supply_chain.pretrain import pretrained_base

    return pretrained_base(tiny_task)


@pytest.fixture(scope="session")
def make_tiny():
    """Factory of tiny settings with overrides (conftest helpers cannot be imported with importlib mode)."""
    return tiny_args


@pytest.fixture(scope="session")
def tiny_demand():
    """A small validated simulated table: 4 SKUs at the two DCs of region Ost, 150 days."""
    from workbench.usecases.supply_chain.data import validate_demand
    from workbench.usecases.supply_chain.simulate import SimulationSpec, simulate_demand

    sim = simulate_demand(SimulationSpec(n_skus=4, n_days=150, regions=("Ost",), seed=3, launch_fraction=0.0))
    return validate_demand(sim.demand)
