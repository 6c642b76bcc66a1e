"""Write the workshop's exercise and solution notebooks from one source.

Each notebook is written twice from the same cell list: ``exercises/NN_topic.ipynb`` with the
gaps, ``solutions/NN_topic.ipynb`` with the gaps filled. Writing both from one list keeps them
identical apart from the gaps (``tests/workshop/test_workshop_notebooks.py`` checks that on the
committed files, so a hand edit to one side only is caught).

A gap is a code cell tagged ``exercise`` whose code ends in ``raise NotImplementedError("Aufgabe
N: ...")``; the solution's cell in the same place is tagged ``solution``. Everything the cells
call is public library API: the notebooks teach decisions (which model, which rank, which alarm
threshold, which stock), not programming, so they hold no functions or classes.

Run after editing the cell lists::

    .venv/bin/python workshop/build_notebooks.py

It writes the notebooks without outputs, with the kernel spec the hub installs
(``deploy/kernel/install_kernel.sh``: ``ki-werkbank``).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
KERNELSPEC = {"name": "ki-werkbank", "display_name": "KI-Werkbank (Python 3)", "language": "python"}
"""The kernel ``deploy/kernel/install_kernel.sh`` installs on the hub (and the image installs)."""

GAP_TAG, SOLUTION_TAG = "exercise", "solution"

PARAMS_SMOKE = 'import os\n\nSMOKE = os.environ.get("WORKBENCH_SMOKE", "0") == "1"   # CI: tiny data, 1-2 epochs\n'


def md(text: str) -> tuple:
    """A markdown cell, the same in exercise and solution."""
    return ("markdown", text.strip())


def code(src: str, tags: tuple[str, ...] = ()) -> tuple:
    """A code cell, the same in exercise and solution (``tags``: e.g. nbval's ``parameters``)."""
    return ("code", src.strip(), tags)


def gap(number: int, task: str, prompt: str, solution: str) -> tuple:
    """A gap: the exercise shows ``prompt`` and raises; the solution holds ``solution``."""
    exercise = f"{prompt.strip()}\n\nraise NotImplementedError(\"Aufgabe {number}: {task}\")"
    return ("gap", exercise, solution.strip())


# ----------------------------------------------------------------------------- 01 legal text
LEGAL = [
    md("""
# Übung 1 · Legal text: is the fine-tuned model worth it?

A legal department wants contract clauses sorted by type (Haftung, Kündigung, Gewährleistung, ...).
You will

1. look at the labelled clauses,
2. read the table of two cheap baselines and let the library name the better one (**Aufgabe 1**),
3. choose the LoRA rank and the number of epochs (**Aufgabe 2**),
4. choose the model on the validation clauses and see on the test clauses whether the choice holds
   (**Aufgabe 3**).

Cells marked **Aufgabe** stop with `NotImplementedError` until you fill them in. The solution is in
`workshop/solutions/01_legal_text.ipynb`.
"""),
    code(PARAMS_SMOKE + "SEED = 42", tags=("parameters",)),
    code("""
import tempfile
from pathlib import Path

from workbench.metrics import recommendation, verdict
from workbench.usecases.legal_de import default_config
from workbench.usecases.legal_de.baselines import TfidfBaseline
from workbench.usecases.legal_de.data import prepare_data
from workbench.usecases.legal_de.experiment import validation_scores
from workbench.usecases.legal_de.model import FrozenBaseClassifier, LegalClauseClassifier
from workbench.widgets.figures import metrics_table
from workbench.widgets.panels import smoke_banner, summary

LABELS = {"baseline": "TF-IDF", "frozen_base": "frozen MiniLM", "adapter": "LoRA adapter"}
cfg = default_config(smoke=SMOKE).with_overrides([f"run.seed={SEED}", "run.resume=false"])   # the run's settings
run_dir = Path(tempfile.mkdtemp(prefix="workshop-legal-"))
smoke_banner()
"""),
    md("""
## 1 · The clauses

The sample is generated from templates. The validation and the test clauses each come from a
template *family* no model trains on, so both ask whether a model recognises a clause type in **new
wording**. Choices are made on the validation clauses; the test clauses only report.
"""),
    code("""
train, val, test, info = prepare_data(cfg)   # the split `workbench train` uses
print(f"train {len(train)}, validation {len(val)}, test {len(test)} ({info['split']})")
test[["label", "text"]].head(4)
"""),
    md("""
## 2 · Two cheap baselines

**TF-IDF** + logistic regression on word and character n-grams, and the **frozen** MiniLM with a
linear head. Macro-F1 weighs every clause type equally (higher is better).
"""),
    code("""
baseline = TfidfBaseline.from_config(cfg).fit(train)
frozen = FrozenBaseClassifier.from_config(cfg).fit(train, labels=info["labels"])
scores = {"baseline": baseline.evaluate(test, labels=frozen.labels_), "frozen_base": frozen.evaluate(test)}
metrics_table(scores, columns=["accuracy", "macro_f1", "train_seconds"])
"""),
    md("""
**Aufgabe 1.** Which baseline is better on macro-F1? Do not eyeball it: `verdict(scores, metric_name,
lower_is_better=..., labels=LABELS)` names the best model and treats differences under 1 % as a tie.
Pass it `{role: macro-F1}` for the two baselines. Is a higher macro-F1 better or worse?
"""),
    gap(1, "verdict over the two baselines on macro-F1",
        "# scores[role][\"macro_f1\"] holds each model's macro-F1.\n"
        "# baseline_verdict = verdict({...}, \"macro-F1\", lower_is_better=..., labels=LABELS)",
        """
baseline_verdict = verdict({role: m["macro_f1"] for role, m in scores.items()}, "macro-F1",
                           lower_is_better=False, labels=LABELS)
print(baseline_verdict["text"])
"""),
    md("""
## 3 · LoRA: rank and epochs

LoRA trains two small matrices of **rank r** next to each linear layer of MiniLM; the base weights
stay frozen. A higher rank trains more parameters (it can fit more, and overfit more); on a few
hundred clauses ranks 4-16 are usual. **Epochs** are passes over the training clauses: too few and
the adapter has not moved from the frozen model, too many and it memorises the training wordings.

**Aufgabe 2.** Set `RANK` and `EPOCHS`. In smoke mode (CI) the notebook trains the smoke run's few
epochs whatever you choose. After the run: how many parameters did LoRA train, against the 22 million of MiniLM?
"""),
    gap(2, "choose RANK and EPOCHS",
        "# RANK = ...     # 4, 8 or 16\n# EPOCHS = ...   # 2 to 8",
        """
RANK = 8
EPOCHS = 4
"""),
    code("""
chosen = [f"lora.r={RANK}", f"lora.alpha={2 * RANK}"] + ([] if SMOKE else [f"train.max_epochs={EPOCHS}"])
clf = LegalClauseClassifier.from_config(cfg.with_overrides(chosen), run_dir=run_dir)
clf.fit(train, val, probe=frozen)   # the head starts from the frozen model's linear head
print(clf.param_count_)
"""),
    code("""
scores["adapter"] = clf.evaluate(test)
metrics_table(scores, columns=["accuracy", "macro_f1", "train_seconds"])
"""),
    md("""
## 4 · The decision

Choose the model on the **validation** clauses: the test clauses are read once, to report how the
choice does on wordings no model saw. A choice made on the test clauses would look better than it
will be on the legal department's next contracts. `validation_scores` gives each model's macro-F1 on
the validation clauses.
"""),
    code("""
val_scores = validation_scores(val, baseline, frozen, clf, None)
metrics_table({role: {"validation macro-F1": score, "test macro-F1": scores[role]["macro_f1"]}
               for role, score in val_scores.items()}, columns=["validation macro-F1", "test macro-F1"])
"""),
    md("""
**Aufgabe 3.** Let `recommendation(val_scores, "macro-F1", on="validation clauses",
lower_is_better=..., labels=LABELS)` name the model to use and show its line with `summary(...)`.
If the adapter only ties with TF-IDF, it recommends TF-IDF: cheaper to run and to explain. Then read
the test verdict below: did the choice hold? What would you tell the legal department?
"""),
    gap(3, "the model to use, chosen on the validation clauses, shown with summary()",
        "# choice = recommendation(val_scores, \"macro-F1\", on=\"validation clauses\", lower_is_better=..., labels=LABELS)\n"
        "# summary(choice[\"text\"])",
        """
choice = recommendation(val_scores, "macro-F1", on="validation clauses", lower_is_better=False, labels=LABELS)
summary(choice["text"])
"""),
    code("""
final = verdict({role: m["macro_f1"] for role, m in scores.items()}, "macro-F1", lower_is_better=False,
                labels=LABELS)
summary(f"On the test clauses: {final['text']}")
"""),
]

# ----------------------------------------------------------------------------- 02 maintenance
MAINTENANCE = [
    md("""
# Übung 2 · Predictive maintenance: when should the alarm go off?

A fleet of turbofan engines degrades towards failure. The workbench adapts a pretrained time-series
base model with LoRA to this fleet and predicts each engine's **remaining useful life** (RUL, in
cycles). You will

1. find the sensors that show wear (**Aufgabe 1**),
2. compare LoRA, the frozen base and LightGBM on held-out engines (**Aufgabe 2**),
3. turn what a missed failure and an early replacement cost into an alarm threshold (**Aufgabe 3**).

Cells marked **Aufgabe** stop with `NotImplementedError` until you fill them in.
"""),
    code(PARAMS_SMOKE + "HORIZON = 30     # an engine 'fails' if its true RUL is at most this many cycles\nSEED = 0",
         tags=("parameters",)),
    code("""
import tempfile
from pathlib import Path

from workbench.metrics import verdict
from workbench.usecases.maintenance import default_config
from workbench.usecases.maintenance.data import load_cmapss
from workbench.usecases.maintenance.experiment import baseline_rul, validation_cuts
from workbench.usecases.maintenance.model import RULEstimator, pretrain_base, summarize_rul
from workbench.usecases.maintenance.simulate import FleetSpec, simulate_fleet, write_cmapss
from workbench.usecases.maintenance.widgets import cost_figure, sensor_traces_figure
from workbench.widgets.figures import metrics_table
from workbench.widgets.panels import smoke_banner, summary

LABELS = {"baseline": "LightGBM", "frozen_base": "frozen base", "adapter": "LoRA adapter"}
cfg = default_config(smoke=SMOKE).with_overrides([f"run.seed={SEED}"])
task = cfg.task
work = Path(tempfile.mkdtemp(prefix="workshop-maintenance-"))   # data files, checkpoints
smoke_banner()
"""),
    md("""
## 1 · The fleet

A simulated fleet (six operating regimes, two fault modes) in NASA's C-MAPSS file format, read back
with the loader you would point at your own files (`load_cmapss("train_FD004.txt", ...)`). Each
engine runs normally, then wears until it fails; 21 sensors (`s1` ... `s21`) record every cycle.
"""),
    code("""
fleet = simulate_fleet(FleetSpec.preset("FD004", n_train=task.target_units, n_test=task.target_units, seed=SEED + 1))
paths = write_cmapss(fleet, work / "data", "FD004")
data = load_cmapss(paths["train"], paths["test"], paths["rul"])
print(f"{data.train['unit'].nunique()} training engines, {data.test['unit'].nunique()} test engines")
data.train.head()
"""),
    md("""
**Aufgabe 1.** Plot engine 1's traces of a few sensors with `sensor_traces_figure(data.train, unit=1,
sensors=[...])`. Which ones drift towards the end of its life, and which only jump between the
operating regimes? Try `s2`, `s4`, `s9`, `s11`, `s14`, `s21` and a few others (`s1`, `s5`, `s10`).
"""),
    gap(1, "plot sensor traces of engine 1",
        "# sensor_traces_figure(data.train, unit=1, sensors=[\"s2\", ...])",
        """
sensor_traces_figure(data.train, unit=1, sensors=["s2", "s4", "s9", "s11", "s14", "s21"])
"""),
    md("""
## 2 · The base model and three predictors

The base model is pretrained once on a broad simulated fleet and cached. LoRA adapts it to this
fleet; the frozen base gets only a trained head; LightGBM learns from window features. The models are
built from the config exactly as `workbench train` builds them. Some training engines are held back
as **validation engines** and cut at random cycles like the test engines: every choice (which
predictor, which alarm threshold) is made on them, and the test engines only report how it did.
"""),
    code("""
base = pretrain_base(task)
adapter = RULEstimator.from_config(cfg, base.path, mode="lora", run_dir=work / "lora").fit(data.train)
frozen = RULEstimator.from_config(cfg, base.path, mode="frozen", run_dir=work / "frozen").fit(data.train)
val_frame, val_rul = validation_cuts(data.train, adapter, task, SEED)
baseline_test, baseline_val, gbm = baseline_rul(task, SEED, adapter, data, val_frame)
"""),
    md("""
Each test engine is scored at its last observed cycle. **RMSE** is the typical error in cycles
(lower is better); the NASA **score** punishes late predictions harder than early ones.
`val_rmse_capped` is the RMSE on the validation cuts, against the true RUL capped at 125 cycles.
"""),
    code("""
units, truth, val_truth = data.test_rul.index, data.test_rul.to_numpy(), val_rul.to_numpy()
test_pred = {"baseline": baseline_test, "frozen_base": frozen.predict(data.test).set_index("unit")["rul_pred"],
             "adapter": adapter.predict(data.test).set_index("unit")["rul_pred"]}
val_pred = {"baseline": baseline_val, "frozen_base": frozen.predict(val_frame).set_index("unit")["rul_pred"],
            "adapter": adapter.predict(val_frame).set_index("unit")["rul_pred"]}
predictions = {role: p.reindex(units).to_numpy() for role, p in test_pred.items()}
val_predictions = {role: p.reindex(val_rul.index).to_numpy() for role, p in val_pred.items()}
metrics = {role: summarize_rul(truth, predictions[role], horizon=HORIZON, val_true=val_truth,
                               val_pred=val_predictions[role]) for role in predictions}
metrics_table(metrics, ["rmse", "score", "mae", "val_rmse_capped"]).round(2)
"""),
    md("""
**Aufgabe 2.** Which predictor would you use? Decide on the validation engines, never on the test
engines: use `verdict({role: val_rmse_capped}, "capped validation RMSE", lower_is_better=...,
labels=LABELS)`. Mind the direction: RMSE is an error. Does the test RMSE agree with your choice?
"""),
    gap(2, "verdict over the three predictors on the validation engines",
        "# metrics[role][\"val_rmse_capped\"] holds each predictor's capped validation RMSE.\n"
        "# rmse_verdict = verdict({...}, \"capped validation RMSE\", lower_is_better=..., labels=LABELS)",
        """
rmse_verdict = verdict({role: m["val_rmse_capped"] for role, m in metrics.items()}, "capped validation RMSE",
                       lower_is_better=True, labels=LABELS)
print(rmse_verdict["text"])
"""),
    md("""
## 3 · The alarm threshold

An alarm fires when the predicted RUL drops to a threshold. Two mistakes cost money:

* a **missed failure** (no alarm, the engine fails within 30 cycles): unplanned outage, secondary
  damage, say **250 Tsd. €**;
* an **early replacement** (alarm, the engine would have run on): parts and labour brought forward,
  say **25 Tsd. €**.

`summarize_rul(truth, predicted, horizon=..., cost_missed=..., cost_early=..., val_true=val_truth,
val_pred=...)["alarm"]` tries every threshold on the **validation** engines, takes the cheapest
(`alarm_rul`: alarm when predicted RUL ≤ it) and scores it on the test engines: the counts `fn`
(missed) and `fp` (early) and the total `cost`. A threshold chosen on the test engines themselves
would make the cost look better than it will be on the next engines.

**Aufgabe 3.** Set the two costs (in Tsd. €) and compute the alarm for the LoRA adapter's predictions.
Then double the cost of a missed failure: does the threshold go up or down, and why?
"""),
    gap(3, "costs in Tsd. € and the cheapest alarm threshold for the adapter",
        "# COST_MISSED = ...\n# COST_EARLY = ...\n"
        "# alarm = summarize_rul(truth, predictions[\"adapter\"], horizon=HORIZON, ...,\n"
        "#                       val_true=val_truth, val_pred=val_predictions[\"adapter\"])[\"alarm\"]",
        """
COST_MISSED = 250
COST_EARLY = 25
alarm = summarize_rul(truth, predictions["adapter"], horizon=HORIZON, cost_missed=COST_MISSED,
                      cost_early=COST_EARLY, val_true=val_truth, val_pred=val_predictions["adapter"])["alarm"]
print(f"Alarm bei vorhergesagter Restlebensdauer ≤ {alarm['alarm_rul']:.0f} Zyklen (gewählt auf den "
      f"Validierungstriebwerken). Auf den Testtriebwerken: übersehene Ausfälle {alarm['fn']}, zu früh getauschte "
      f"Triebwerke {alarm['fp']}, Kosten {alarm['cost']:.0f} Tsd. €")
"""),
    code("""
# The test engines' cost curve: orange the threshold chosen on validation, green the cheapest in hindsight.
cost_figure(predictions["adapter"], truth, horizon=HORIZON, cost_missed=COST_MISSED, cost_early=COST_EARLY,
            chosen=alarm["alarm_rul"], best_label="cheapest on the test engines (hindsight)")
"""),
    md("""
## 4 · The decision

The alarm rule is only as good as the predictions behind it. The line below states which predictor
this fleet should use.
"""),
    code("""
summary(rmse_verdict["text"])
"""),
]

# ----------------------------------------------------------------------------- 03 supply chain
SUPPLY = [
    md("""
# Übung 3 · Supply chain: your own sales file, forecasts and the stock for a service level

A planner for the distribution region **Ost** (DCs Leipzig and Berlin) exports the daily sales
history from the ERP as an Excel CSV: semicolons, decimal commas, dates as `TT.MM.JJJJ`, German
column names. You will

1. read that file into the workbench's demand table (**Aufgabe 1**),
2. compare the LoRA-adapted forecaster with the frozen base and classical methods,
3. read off how much stock each forecast needs for the target service level (**Aufgabe 2**),
4. choose the forecaster on the validation weeks and check the choice on the test weeks (**Aufgabe 3**).

Cells marked **Aufgabe** stop with `NotImplementedError` until you fill them in.
"""),
    code(PARAMS_SMOKE + "SERVICE_LEVEL = 0.95   # share of order cycles without a stock-out", tags=("parameters",)),
    code("""
import tempfile
from pathlib import Path

import pandas as pd

from workbench.lora import count_parameters
from workbench.metrics import verdict
from workbench.tabular import read_table
from workbench.usecases.supply_chain import default_config
from workbench.usecases.supply_chain.backtest import evaluate, forecast_model, service_curve_for
from workbench.usecases.supply_chain.data import validate_demand
from workbench.usecases.supply_chain.experiment import (add_blend, backtest_baselines, calibrate_roles,
                                                        fit_forecasters, load_target_data, prepare_data,
                                                        validation_reports)
from workbench.usecases.supply_chain.inventory import stock_for_service
from workbench.usecases.supply_chain.pretrain import pretrained_base
from workbench.usecases.supply_chain.widgets import service_stock_figure, validation_recommendation
from workbench.widgets.panels import smoke_banner, summary

LABELS = {"frozen_base": "frozen base", "adapter": "LoRA adapter", "seasonal_naive": "seasonal naive",
          "ets": "ETS", "croston_tsb": "Croston (TSB)", "lightgbm": "LightGBM", "blend": "adapter + LightGBM",
          "full_finetune": "full fine-tuning"}
cfg = default_config(smoke=SMOKE).with_overrides([f"task.service_level={SERVICE_LEVEL}"])   # the run's settings
task = cfg.task
smoke_banner()
"""),
    md("""
## 1 · The ERP export

The next cell stands in for your ERP: it writes the simulated region Ost as a German Excel CSV.
With your own data you would skip it and point `path` at your file.
"""),
    code("""
simulated, _ = load_target_data(cfg)
german = {"unique_id": "Artikel", "ds": "Datum", "y": "Menge", "promo": "Aktion", "price": "Preis",
          "holiday": "Feiertag", "dc": "Lager", "state": "Bundesland", "family": "Warengruppe"}
path = Path(tempfile.mkdtemp(prefix="workshop-supply-")) / "absatz_ost.csv"
simulated[list(german)].rename(columns=german).to_csv(path, sep=";", decimal=",", date_format="%d.%m.%Y",
                                                       index=False, encoding="utf-8-sig")
print(path.read_text(encoding="utf-8-sig")[:250])
"""),
    md("""
**Aufgabe 1.** Read the file with `read_table(path)`: it detects the separator, the decimal comma and
the `TT.MM.JJJJ` dates and says so in one line. Then rename the German columns to the workbench's
names (`unique_id`, `ds`, `y`, `promo`, `price`, `holiday`, and the static columns `dc`, `state`,
`family`) and check the table with
`validate_demand(frame, source=path.name)`, which lists every problem with its row.
"""),
    gap(1, "read the German CSV, rename its columns and validate it",
        "# raw = read_table(path)\n"
        "# demand = validate_demand(raw.rename(columns={\"Artikel\": \"unique_id\", ...}), source=path.name)",
        """
raw = read_table(path)
demand = validate_demand(raw.rename(columns={"Artikel": "unique_id", "Datum": "ds", "Menge": "y", "Aktion": "promo",
                                             "Preis": "price", "Feiertag": "holiday", "Lager": "dc",
                                             "Bundesland": "state", "Warengruppe": "family"}), source=path.name)
print(f"{demand['unique_id'].nunique()} series, {demand['ds'].min():%d.%m.%Y} bis {demand['ds'].max():%d.%m.%Y}")
demand.head()
"""),
    md("""
## 2 · Forecasts, backtested

The base model was pretrained on the regions Süd, West and Nord and is cached; LoRA adapts it to
Ost, and a copy of the base is also fine-tuned fully (all weights), for comparison. The models and
the split are those of `workbench supply backtest --file absatz_ost.csv`: the last weeks are the
**test** weeks, the weeks before them the **validation** weeks, and every choice is made on the
validation weeks. From every review day of the test weeks each forecaster sees only the demand
before that day. **wQL** (weighted quantile loss) scores the whole forecast distribution: lower is
better.
"""),
    code("""
cfg = cfg.with_overrides([f"data.path={path}"])
data = prepare_data(cfg, raw=demand)   # the run's split and test origins, on your table
task, panel, split = cfg.task, data.panel, data.split   # weekly or monthly data: lengths count periods
base, _ = pretrained_base(task, freq=panel.freq)
trained = fit_forecasters(cfg, base, data)   # the LoRA adapter and full fine-tuning
adapter = trained["adapter"]
print(count_parameters(adapter.model_))
"""),
    md("""
Beside the frozen base and the adapter, the run's classical baselines (`task.baselines`: seasonal
naive and ETS; in a full run also Croston-TSB for intermittent items and LightGBM, and the blend of
the adapter with LightGBM). Every model's quantiles are calibrated on the validation weeks the same
way, so they compare on equal terms.
"""),
    code("""
forecasts = {"frozen_base": forecast_model(base, panel, data.origins, task, name="frozen_base"),
             **{role: est.predict(panel, origins=data.origins) for role, est in trained.items()}}
backtest_baselines(forecasts, data, task, seed=cfg.run.seed)
reports = {role: est.calibration_report_ for role, est in trained.items()} | calibrate_roles(
    forecasts, base, data, task, seed=cfg.run.seed)
blend = add_blend(forecasts, adapter.validation_forecasts_, panel) if task.blend else None
accuracy = pd.DataFrame({role: evaluate(fc, panel, task, split, data.segments)[1]["overall"]
                         for role, fc in forecasts.items()}).T
accuracy[["wql", "rmsse", "coverage"]].round(3)
"""),
    md("""
## 3 · Stock for the service level

Every 7 days the planner orders up to the service-level quantile of demand over lead time plus
review period. The curves show the achieved cycle service level against the average stock value
each forecaster needs: a better forecast reaches the same service with less stock.
"""),
    code("""
curves = {role: service_curve_for(fc, panel, task, task.service_levels) for role, fc in forecasts.items()}
service_stock_figure(curves, target=SERVICE_LEVEL)
"""),
    md("""
**Aufgabe 2.** `stock_for_service(curve, SERVICE_LEVEL)` reads the stock value needed for the target
off one curve (NaN when a forecaster never reaches it). Build a table with one row per forecaster.
Which one needs the least stock for 95 %? Try `SERVICE_LEVEL = 0.9`: how much stock does that save?
"""),
    gap(2, "stock value per forecaster for SERVICE_LEVEL",
        "# stock = pd.Series({role: stock_for_service(...) for role, curve in curves.items()})",
        """
stock = pd.Series({role: stock_for_service(curve, SERVICE_LEVEL) for role, curve in curves.items()},
                  name=f"stock value for {SERVICE_LEVEL:.0%} cycle service")
stock.round(0)
"""),
    md("""
## 4 · The decision

Choose the forecaster on the **validation** weeks: the test weeks are read once, to report how the
choice does on weeks no model was chosen on. The criterion is each model's pinball loss on the
validation weeks after its calibration (lower is better); `validation_reports(reports, blend)` collects
them, and `validation_recommendation(...)` applies the run's rule (a tie within 1 % goes to the simpler
model, the blend competes only when it is clearly better).
"""),
    code("""
pd.Series({role: r.get("val_pinball_calibrated") for role, r in validation_reports(reports, blend).items()},
          name="validation pinball loss").round(3)
"""),
    md("""
**Aufgabe 3.** Let `validation_recommendation(validation_reports(reports, blend))` name the forecaster to
use and show its line with `summary(...)`. Then read the test verdict below: did the choice hold on
the test weeks, and does the chosen forecaster also need the least stock?
"""),
    gap(3, "the forecaster to use, chosen on the validation weeks, shown with summary()",
        "# choice = validation_recommendation(...)\n# summary(choice[\"text\"])",
        """
choice = validation_recommendation(validation_reports(reports, blend))
summary(choice["text"])
"""),
    code("""
final = verdict(accuracy["wql"].to_dict(), "wQL", lower_is_better=True, labels=LABELS)
summary(f"On the test weeks: {final['text']}")
"""),
]

NOTEBOOKS = {"01_legal_text": LEGAL, "02_predictive_maintenance": MAINTENANCE, "03_supply_chain": SUPPLY}


def build(cells: list[tuple], solution: bool) -> nbformat.NotebookNode:
    """One notebook: the exercise (``solution=False``) or the solution."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC),
                   "language_info": {"name": "python", "version": "3.11"}}
    for cell in cells:
        if cell[0] == "markdown":
            nb.cells.append(nbformat.v4.new_markdown_cell(cell[1]))
        elif cell[0] == "code":
            new = nbformat.v4.new_code_cell(cell[1])
            if cell[2]:
                new.metadata["tags"] = list(cell[2])
            nb.cells.append(new)
        else:  # a gap
            new = nbformat.v4.new_code_cell(cell[2] if solution else cell[1])
            new.metadata["tags"] = [SOLUTION_TAG if solution else GAP_TAG]
            nb.cells.append(new)
    for new in nb.cells:
        new.pop("id", None)  # stable files: no random cell ids in the diff
    nb.nbformat, nb.nbformat_minor = 4, 4
    return nb


def main() -> None:
    """Write every exercise and solution notebook (outputs empty, kernel ``ki-werkbank``)."""
    for name, cells in NOTEBOOKS.items():
        for folder, solution in (("exercises", False), ("solutions", True)):
            path = HERE / folder / f"{name}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(build(cells, solution), str(path))
            print("wrote", path.relative_to(HERE.parent))


if __name__ == "__main__":
    main()
