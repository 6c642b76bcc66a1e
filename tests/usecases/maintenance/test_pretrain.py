"""The shipped factory base: its corpus, the checksum and shape checks at load, and its size."""

import dataclasses
import shutil

import numpy as np
import pytest

from workbench.usecases.maintenance import recipe_config
from workbench.usecases.maintenance.pretrain import (SHIPPED_DIR, CorpusArgs, build_corpus, load_shipped,
                                                     random_fleet_spec)


def test_the_shipped_base_loads_checked_and_is_small():
    task = recipe_config().task
    files = {p.name for p in SHIPPED_DIR.iterdir()}
    assert {"model.safetensors", "config.json", "base.json", "MODEL_CARD.md"} <= files
    assert sum(p.stat().st_size for p in SHIPPED_DIR.iterdir() if p.is_file()) < 10 * 2**20
    base = load_shipped(task)
    assert base.from_cache and base.info["from_shipped"] and base.info["seen_real_fleets"] == ["FD001"]
    assert set(base.info["corpus"]) == {"simulator", "kernelsynth", "FD001-train", "AI4I-2020"}
    assert "seen in pretraining" in (SHIPPED_DIR / "MODEL_CARD.md").read_text()
    # pretrain_base hands it out for task.base_model="shipped", and the reports know FD001 is in it
    from workbench.usecases.maintenance.model import base_corpus, pretrain_base

    shipped = dataclasses.replace(task, base_model="shipped")
    assert pretrain_base(shipped).path == SHIPPED_DIR and "FD001" in base_corpus(shipped)
    assert "FD001" not in base_corpus(task)


def test_a_damaged_or_mismatched_base_is_refused(tmp_path):
    task = recipe_config().task
    copy = tmp_path / "base"
    shutil.copytree(SHIPPED_DIR, copy)
    raw = bytearray((copy / "model.safetensors").read_bytes())
    raw[-1] ^= 0xFF
    (copy / "model.safetensors").write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="sha256"):
        load_shipped(task, copy)
    with pytest.raises(ValueError, match="another PatchTST shape"):
        load_shipped(dataclasses.replace(task, d_model=64), SHIPPED_DIR)
    with pytest.raises(FileNotFoundError, match="no shipped maintenance base"):
        load_shipped(task, tmp_path / "nothing")


def test_corpus_mixes_physics_generic_and_real_series():
    rng = np.random.default_rng(0)
    specs = [random_fleet_spec(rng, 5, seed=i) for i in range(40)]
    assert not any(s.problems() for s in specs)
    assert len({s.regime_seed for s in specs}) == 40 and {s.n_conditions for s in specs} >= {1, 6}
    args = CorpusArgs(sim_fleets=2, sim_units=4, synthetic_windows=50, real_stride=20)
    corpus = build_corpus(16, 125, args)
    assert corpus["masked"]["kernelsynth"].shape == (50, 16, 1)
    assert all(x.shape[1:] == (16, 1) for x in corpus["masked"].values())
    if (SHIPPED_DIR.parents[3].parent / "shared" / "data" / "cmapss").is_dir():
        assert {"FD001-train", "AI4I-2020"} <= set(corpus["masked"])
    assert corpus["sup_X"].shape[0] == corpus["sup_y"].shape[0] and 0 <= corpus["sup_y"].min() <= corpus["sup_y"].max() <= 1
