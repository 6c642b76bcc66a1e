"""Training: a tiny fit that learns, exact resume after an interruption, the eval-mode pitfall,
small checkpoints loaded with weights_only, precision choice."""

import lightning as L
import pytest
import torch
from torch import nn

from workbench.config import LoraArgs, TrainArgs
from workbench.lora import apply_lora
from workbench.training import (SeededSampler, Task, fit, make_loader, resolve_precision,
                                restore_checkpoint)
from workbench.training_callbacks import LOCK_FILE, RunFolderInUse

from tiny_task import Classify, data as _data, model as _model  # tests/support, shared with tests/hardening


ARGS = dict(batch_size=32, lr=1e-2, progress_bar=False)


def _fit(run_dir, epochs=4, callbacks=(), model=None):
    model = model or _model()
    ds, val = _data(), _data(128, seed=5)
    result = fit(model, Classify(), make_loader(ds, 32, seed=3), make_loader(val, 64, shuffle=False),
                 TrainArgs(max_epochs=epochs, **ARGS), run_dir, callbacks=callbacks)
    return model, result


def test_task_protocol_and_tiny_fit_beats_chance(tmp_path):
    assert isinstance(Classify(), Task)
    model, result = _fit(tmp_path / "run")
    assert result.history["val_acc"].iloc[-1] > 0.6  # chance is about 0.33-0.5 here
    assert list(result.history["epoch"]) == [0, 1, 2, 3]
    assert result.samples == 4 * 384 and result.samples_per_s > 0
    assert (tmp_path / "run" / "metrics.csv").is_file()
    assert result.best_checkpoint.endswith("best.ckpt")


def test_time_budget_stops_training_validates_and_keeps_the_best_state(tmp_path, capsys, monkeypatch):
    """train.max_minutes: a run that would take 1,000 epochs stops when its budget is spent, the
    partial epoch is validated, the best checkpoint restored, and the result says the budget ended it."""
    monkeypatch.delenv("WORKBENCH_QUIET", raising=False)
    model = _model()
    ds, val = _data(), _data(128, seed=5)
    args = TrainArgs(max_epochs=1000, max_minutes=0.01, **ARGS)  # 0.6 s
    result = fit(model, Classify(), make_loader(ds, 32, seed=3), make_loader(val, 64, shuffle=False), args,
                 tmp_path / "run", epoch_lines=True)
    assert result.extra["time_budget"] == {"minutes": 0.01, "reached": True}
    assert 1 <= result.epochs < 1000 and "val_acc" in result.history and result.history["val_acc"].notna().any()
    assert result.best_checkpoint and result.best_checkpoint.endswith("best.ckpt")
    assert "time budget (train.max_minutes) reached" in capsys.readouterr().err
    # Without a budget nothing is recorded as reached.
    _, plain = _fit(tmp_path / "plain", epochs=1)
    assert plain.extra["time_budget"] is None


class _Interrupt(L.Callback):
    def on_train_epoch_start(self, trainer, module):
        if trainer.current_epoch == 2:
            raise KeyboardInterrupt  # what a user's "interrupt kernel" raises


def test_interrupted_run_resumes_to_the_same_weights(tmp_path):
    reference, _ = _fit(tmp_path / "straight")
    run = tmp_path / "interrupted"
    try:
        _fit(run, callbacks=[_Interrupt()])
    except KeyboardInterrupt:
        pass
    assert not (run / LOCK_FILE).exists()  # the interrupted run let go of its folder
    resumed, result = _fit(run)
    assert result.resumed_from and result.resumed_from.endswith("last.ckpt")
    ref, got = reference.state_dict(), resumed.state_dict()
    assert max((ref[k] - got[k]).abs().max().item() for k in ref) < 1e-6
    # the history of both parts survives the resume
    assert list(result.history["epoch"]) == [0, 1, 2, 3]


def test_eval_mode_from_pretrained_is_switched_to_train(tmp_path):
    seen = []

    class Spy(L.Callback):
        def on_train_batch_start(self, trainer, module, batch, idx):
            seen.append(module.model.training)

    model = _model().eval()  # as from_pretrained returns it
    _fit(tmp_path / "r", epochs=1, callbacks=[Spy()], model=model)
    assert seen and all(seen)


def test_checkpoints_hold_only_trainable_weights_and_load_weights_only(tmp_path):
    model, result = _fit(tmp_path / "r", epochs=1)
    state = torch.load(result.last_checkpoint, weights_only=True)["state_dict"]
    trainable = {f"model.{n}" for n, p in model.named_parameters() if p.requires_grad}
    assert set(state) == trainable
    from workbench.training import WorkbenchModule

    other = WorkbenchModule(_model(), Classify(), TrainArgs(), 1)
    restore_checkpoint(other, result.best_checkpoint)
    with pytest.raises(ValueError, match="lacks trainable weights"):
        big = apply_lora(nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3)),
                         LoraArgs(r=4, target_modules=["0", "3"]))
        restore_checkpoint(WorkbenchModule(big, Classify(), TrainArgs(), 1), result.best_checkpoint)


def test_no_trainable_parameters_is_a_clear_error(tmp_path):
    frozen = nn.Linear(8, 3).requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        fit(frozen, Classify(), make_loader(_data(), 32), None, TrainArgs(max_epochs=1, **ARGS), tmp_path)


def test_sampler_is_reproducible_per_epoch_and_groups_lengths():
    lengths = [5, 50, 6, 48, 7, 49, 8, 47] * 10
    s = SeededSampler(len(lengths), seed=1, lengths=lengths, batch_size=4)
    s.set_epoch(0)
    first = list(s)
    s.set_epoch(1)
    second = list(s)
    s.set_epoch(0)
    assert list(s) == first and first != second and sorted(first) == list(range(80))
    batches = [first[i:i + 4] for i in range(0, 80, 4)]
    spreads = [max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches]
    assert max(spreads) <= 3  # short and long texts never share a batch


def test_precision_choice():
    assert resolve_precision("auto", "cpu") == "32-true"
    assert resolve_precision("bf16-mixed", "cpu") == "bf16-mixed"
    if torch.cuda.is_available() and torch.cuda.is_bf16_supported():
        assert resolve_precision("auto", "auto") == "bf16-mixed"


def _tiny_lora_llama():
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaConfig, LlamaForCausalLM

    cfg = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=3, num_attention_heads=2,
                      num_key_value_heads=1, vocab_size=64, use_cache=False)
    return get_peft_model(LlamaForCausalLM(cfg), LoraConfig(r=2, target_modules=["q_proj", "v_proj"]))


def test_repeated_blocks_are_the_decoder_layers_and_compile_keeps_names():
    from workbench.training import compile_model, repeated_blocks

    model = _tiny_lora_llama()
    layers = model.get_base_model().model.layers
    assert repeated_blocks(model) == list(layers)
    assert repeated_blocks(nn.Sequential(nn.Linear(2, 2), nn.ReLU())) == []
    names = [n for n, _ in model.named_parameters()]
    state_keys = list(model.state_dict())
    compile_model(model)  # lazy: nothing is compiled until the first call
    assert all(getattr(layer, "_compiled_call_impl", None) is not None for layer in layers)
    assert [n for n, _ in model.named_parameters()] == names and list(model.state_dict()) == state_keys


def test_lora_input_upcast_is_off_only_under_mixed_precision_and_restored():
    from peft.tuners.tuners_utils import BaseTunerLayer

    from workbench.training import _lora_inputs_under_autocast

    model = _tiny_lora_llama()

    def flags():
        return {getattr(m, "cast_input_dtype_enabled", True) for m in model.modules() if isinstance(m, BaseTunerLayer)}

    with _lora_inputs_under_autocast(model, "32-true"):
        assert flags() == {True}
    with _lora_inputs_under_autocast(model, "bf16-mixed"):
        assert flags() == {False}
    assert flags() == {True}
    with pytest.raises(RuntimeError), _lora_inputs_under_autocast(model, "16-mixed"):
        raise RuntimeError("training failed")
    assert flags() == {True}


def test_fused_adamw_only_without_gradient_clipping():
    """Lightning refuses to clip a fused optimizer's gradients under mixed precision (seen on an
    H200 with the default grad_clip=1.0), so the fused kernel is used only when clipping is off."""
    from workbench.training import use_fused_adamw

    params = [nn.Parameter(torch.zeros(2))]
    assert not use_fused_adamw(params, TrainArgs(grad_clip=1.0))
    assert not use_fused_adamw(params, TrainArgs(grad_clip=None))  # CPU tensors: foreach path
    if torch.cuda.is_available():
        cuda = [nn.Parameter(torch.zeros(2, device="cuda"))]
        assert use_fused_adamw(cuda, TrainArgs(grad_clip=None))
        assert not use_fused_adamw(cuda, TrainArgs(grad_clip=1.0))


def test_one_progress_line_per_epoch_with_this_epochs_values(tmp_path, capsys, monkeypatch):
    import re

    monkeypatch.delenv("WORKBENCH_QUIET", raising=False)
    monkeypatch.setenv("WORKBENCH_PROGRESS_EVERY", "3600")  # no line within an epoch on a slow machine
    ds, val = _data(), _data(128, seed=5)
    # progress_bar=True, but stderr is captured (not a TTY, not a notebook): no step-wise bar,
    # whose refreshes would each become a line in a CI log.
    result = fit(_model(), Classify(), make_loader(ds, 32, seed=3), make_loader(val, 64, shuffle=False),
                 TrainArgs(max_epochs=3, batch_size=32, lr=1e-2, progress_bar=True), tmp_path / "run")
    captured = capsys.readouterr()
    err = captured.err
    assert "\r" not in err + captured.out and "it/s" not in err + captured.out
    lines = [line for line in err.splitlines() if " epoch " in line]
    assert len(lines) == 3, err
    hist = result.history
    for i, line in enumerate(lines):
        m = re.fullmatch(r"\[workbench\] epoch (\d)/3: train_loss ([\d.]+), val_acc ([\d.]+) \(best ([\d.]+)\), "
                         r"[\d.]+ s elapsed(, about [\d.]+ s left)?", line)
        assert m, line
        assert int(m[1]) == i + 1
        assert float(m[2]) == pytest.approx(hist["train_loss_epoch"].iloc[i], rel=1e-3)
        assert float(m[3]) == pytest.approx(hist["val_acc"].iloc[i], rel=1e-3)  # this epoch's, not the last one's
        assert float(m[4]) == pytest.approx(hist["val_acc"].iloc[: i + 1].max(), rel=1e-3)
        assert (m[5] is not None) == (i < 2)  # the last epoch has no time left to estimate


def test_long_epochs_report_within_the_epoch_where_no_bar_is_shown(tmp_path, capsys, monkeypatch):
    """In a log file (no bar redraws in place) an epoch of many minutes must not be silent: a line at
    most every WORKBENCH_PROGRESS_EVERY seconds; 0 = after every batch but the epoch's last."""
    import re

    monkeypatch.delenv("WORKBENCH_QUIET", raising=False)
    monkeypatch.setenv("WORKBENCH_PROGRESS_EVERY", "0")
    ds, val = _data(), _data(128, seed=5)  # 384 rows, batches of 32: 12 a epoch
    fit(_model(), Classify(), make_loader(ds, 32, seed=3), make_loader(val, 64, shuffle=False),
        TrainArgs(max_epochs=2, batch_size=32, lr=1e-2, progress_bar=True), tmp_path / "run")
    err = capsys.readouterr().err
    beats = [re.fullmatch(r"\[workbench\] epoch (\d)/2: batch (\d+)/12 \((\d+) %\), [\d.]+ s elapsed, "
                          r"about [\d.]+ s left in this epoch", line) for line in err.splitlines() if "batch " in line]
    assert all(beats) and [(int(m[1]), int(m[2])) for m in beats] == [(e, b) for e in (1, 2) for b in range(1, 12)]
    assert [int(m[3]) for m in beats[:3]] == [8, 16, 25]
    assert err.count("epoch 2/2: train_loss ") == 1  # the epoch's own line still closes it
    # a wrong setting names the variable and what it expects
    monkeypatch.setenv("WORKBENCH_PROGRESS_EVERY", "a minute")
    with pytest.raises(ValueError, match="WORKBENCH_PROGRESS_EVERY must be a number of seconds, got 'a minute'"):
        fit(_model(), Classify(), make_loader(ds, 32, seed=3), None, TrainArgs(max_epochs=1, **ARGS), tmp_path / "x")


def test_progress_lines_are_silenced_by_quiet_and_can_be_switched_off(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("WORKBENCH_QUIET", "1")
    _fit(tmp_path / "quiet", epochs=1)
    assert "epoch" not in capsys.readouterr().err
    monkeypatch.delenv("WORKBENCH_QUIET")
    ds = _data()
    fit(_model(), Classify(), make_loader(ds, 32, seed=3), None, TrainArgs(max_epochs=1, **ARGS), tmp_path / "off",
        epoch_lines=False)
    assert "epoch 1/1" not in capsys.readouterr().err
    fit(_model(), Classify(), make_loader(ds, 32, seed=3), None, TrainArgs(max_epochs=1, **ARGS), tmp_path / "on")
    assert capsys.readouterr().err.count("epoch 1/1: train_loss ") == 1  # no validation: the loss alone


# ----------------------------------------------------------------------------- compile: auto, strategy checks
def test_compile_auto_rule():
    from workbench.training import decide_compile
    from workbench.training_speed import GPU_BREAK_EVEN_STEPS

    assert 250 <= GPU_BREAK_EVEN_STEPS <= 350  # 30 s / (0.302 s x (1 - 1/1.488)) from the H200 figures
    used, why = decide_compile("auto", "cpu", 10**6)
    assert not used and why.startswith("auto: not on cpu") and "train.compile=true forces it" in why
    assert decide_compile("auto", "mps", 10**6)[0] is False
    assert decide_compile("auto", "cuda", GPU_BREAK_EVEN_STEPS - 1)[0] is False
    assert decide_compile("auto", "cuda", GPU_BREAK_EVEN_STEPS)[0] is True
    assert decide_compile(True, "cpu", 1) == (True, "train.compile=true (set explicitly)")
    assert decide_compile(False, "cuda", 10**6)[0] is False
    with pytest.raises(ValueError, match="true, false or 'auto'"):
        decide_compile("yes", "cuda", 10)
    assert TrainArgs().compile == "auto"
    assert TrainArgs(compile="always").problems("train") == ["train.compile: must be true, false or 'auto', got 'always'"]


def test_fit_records_the_compile_decision(tmp_path):
    _, result = _fit(tmp_path / "run", epochs=1)
    decision = result.extra["compile"]
    assert decision["setting"] == "auto" and decision["used"] is False and decision["reason"].startswith("auto: not on cpu")


def test_fsdp_on_cpu_is_refused_before_any_launch(tmp_path):
    from workbench.training import check_strategy

    check_strategy("ddp", "cpu")
    check_strategy("fsdp", "cuda")
    with pytest.raises(ValueError, match=r"train.strategy=fsdp needs a CUDA GPU.*train.strategy=ddp"):
        fit(_model(), Classify(), make_loader(_data(), 32), None,
            TrainArgs(max_epochs=1, strategy="fsdp", accelerator="cpu", **ARGS), tmp_path / "run")
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_split_modules_are_reexported():
    import workbench.training as t
    from workbench import training_callbacks, training_speed

    assert t.EpochProgress is training_callbacks.EpochProgress
    assert t.compile_model is training_speed.compile_model and t.use_fused_adamw is training_speed.use_fused_adamw
    assert t._lora_inputs_under_autocast is training_speed.lora_inputs_under_autocast


def test_a_checkpoint_of_another_model_is_set_aside_not_resumed(tmp_path, capsys, monkeypatch):
    # A run directory holding the checkpoint of another model (a changed LoRA rank, a newer
    # workbench that trains one more embedding) used to stop in Lightning with "loaded state dict
    # contains a parameter group that doesn't match". Now the run starts fresh and keeps the old files.
    monkeypatch.delenv("WORKBENCH_QUIET", raising=False)
    run = tmp_path / "run"
    _fit(run, epochs=1)
    other = apply_lora(nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3)),
                       LoraArgs(r=4, target_modules=["0", "3"]))
    from workbench.training import WorkbenchModule, checkpoint_mismatch

    assert checkpoint_mismatch(WorkbenchModule(other, Classify(), TrainArgs(), 1), run / "checkpoints" / "last.ckpt")
    assert checkpoint_mismatch(WorkbenchModule(_model(), Classify(), TrainArgs(), 1),
                               run / "checkpoints" / "last.ckpt") is None
    _, result = _fit(run, epochs=2, model=other)
    assert result.resumed_from is None and list(result.history["epoch"]) == [0, 1]
    assert (run / "checkpoints.stale-1" / "last.ckpt").is_file()  # nothing is lost
    assert "not resuming" in capsys.readouterr().err


def test_a_second_training_into_a_busy_run_folder_stops_clearly_and_a_stale_lock_is_taken_over(tmp_path):
    """Two trainings into one folder (a notebook open in two tabs) corrupted metrics.csv ("dict contains
    fields not in fieldnames") and could resume from each other's checkpoints."""
    import json
    import socket
    import subprocess
    import sys

    run = tmp_path / "run"
    _fit(run, epochs=1)
    assert not (run / LOCK_FILE).exists()  # released after a normal fit
    before = sorted(p.name for p in (run / "checkpoints").iterdir())
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (run / LOCK_FILE).write_text(json.dumps({"pid": other.pid, "host": socket.gethostname(),
                                                 "started": "2026-12-06 21:00:00"}))
        with pytest.raises(RunFolderInUse, match=rf"another training is writing into this run folder "
                                                 rf"\(process {other.pid}, started 2026-12-06 21:00:00\)"):
            _fit(run, epochs=2)
        assert sorted(p.name for p in (run / "checkpoints").iterdir()) == before  # nothing of it was touched
        assert json.loads((run / LOCK_FILE).read_text())["pid"] == other.pid    # nor its lock
    finally:
        other.kill()
        other.wait()
    # the holder is gone (a killed kernel): its lock is stale and the next training takes it over
    _, result = _fit(run, epochs=2)
    assert result.resumed_from and list(result.history["epoch"]) == [0, 1]
    assert not (run / LOCK_FILE).exists()
