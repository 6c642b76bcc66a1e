"""Use a saved supply-chain adapter: ``workbench evaluate`` and ``workbench predict``.

* :func:`evaluate_adapter` backtests a saved adapter (rolling origins over the last
  ``test_periods`` of the configured data) and returns accuracy, inventory and the wQL figures.
* :func:`predict_file` reads a demand history file and writes quantile forecasts for the next
  ``horizon`` periods of every series, as a long CSV ``unique_id, ds, q0.1, q0.5, q0.9 ...``.

Usage::

    workbench evaluate --usecase supply_chain --adapter runs/supply-chain/adapter --data bedarf.csv
    workbench predict --usecase supply_chain --adapter runs/supply-chain/adapter --input bedarf.csv --output fc.csv
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from workbench.config import RunConfig
from workbench.governance.audit import record_event


def _load(adapter_dir):
    from workbench.progress import stage
    from workbench.usecases.supply_chain.model import DemandForecaster

    path = Path(adapter_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"adapter folder not found: {path}")
    with stage("loading the supply-chain adapter and its base"):
        return DemandForecaster.load(path)


def evaluate_adapter(config: RunConfig, adapter_dir) -> dict:
    """Backtest a saved adapter on the configured data (``data.path`` or the simulated target region).

    Args:
        config: The run configuration (its data section names the demand file).
        adapter_dir: Folder written by ``DemandForecaster.save`` (``run_dir/adapter``).

    Returns:
        ``{"wql", "rmsse", "mase", "smape", "coverage", "fill_rate", "cycle_service_level",
        "avg_stock_value", "inventory_meaningful", "inventory_note", "n_series", "data"}``.

    Raises:
        FileNotFoundError: ``adapter_dir`` does not exist.
    """
    from workbench.progress import stage
    from workbench.usecases.supply_chain.experiment import load_target_data

    est = _load(adapter_dir)
    with stage("loading demand data"):
        df, description = load_target_data(config)
    with stage("backtesting the adapter"):
        res = est.evaluate(df)
    acc, inv = res["accuracy"]["overall"], res["inventory"]
    out = {k: acc.get(k) for k in ("wql", "rmsse", "mase", "smape", "coverage", "n_series")}
    out |= {k: inv.get(k) for k in ("fill_rate", "cycle_service_level", "avg_stock_value")}
    out |= {"inventory_meaningful": inv.get("meaningful"), "inventory_note": inv.get("note"), "data": description}
    # The compliance trail names which adapter scored which data (the load itself is logged as data_load).
    record_event("evaluate", usecase="supply_chain", inputs={"adapter": Path(adapter_dir)}, data=description,
                 outputs={k: out[k] for k in ("wql", "rmsse", "coverage", "n_series")})
    return out


def predict_file(config: RunConfig, adapter_dir, input_path, output_path) -> str:
    """Quantile forecasts of the next ``horizon`` periods of every series in ``input_path``.

    Future covariates are taken as in ``DemandForecaster.predict``: no promotions, the last
    price, no holidays. Quantiles are clipped at 0 (demand cannot be negative).

    Args:
        config: The run configuration (CSV reading options in its data section).
        adapter_dir: Folder of the saved adapter.
        input_path: Demand history (long ``unique_id, ds, y`` or wide), CSV or Parquet.
        output_path: CSV to write (atomically), long layout ``unique_id, ds, q<tau>...``.

    Returns:
        The path written.

    Raises:
        FileNotFoundError: ``adapter_dir`` or ``input_path`` does not exist.
    """
    from workbench.io import atomic_write_bytes
    from workbench.progress import stage
    from workbench.tabular import table_options
    from workbench.usecases.supply_chain.data import read_demand
    from workbench.windows import DemandPanel, period_dates

    est = _load(adapter_dir)
    with stage("loading demand data"):
        df = read_demand(input_path, format=config.data.format, columns=config.data.columns or None,
                         table_options=table_options(config.data))
        panel = DemandPanel.from_frame(df)
    with stage("forecasting the next horizon"):
        fc = est.predict(panel)
    n, H, _ = fc.daily.shape
    future = period_dates(panel.dates[-1], H + 1, panel.freq)[1:]
    out = pd.DataFrame({"unique_id": np.repeat(panel.ids[fc.origins[:, 0]], H),
                        "ds": np.tile([d.date().isoformat() for d in future], n)})
    for k, tau in enumerate(fc.taus):
        out[f"q{tau:g}"] = np.maximum(fc.daily[:, :, k].reshape(-1), 0.0).round(3)
    atomic_write_bytes(Path(output_path), out.to_csv(index=False).encode("utf-8"))
    record_event("predict", usecase="supply_chain", inputs={"adapter": Path(adapter_dir), "data": Path(input_path)},
                 outputs={"predictions": Path(output_path)}, rows=len(out))
    return str(output_path)
