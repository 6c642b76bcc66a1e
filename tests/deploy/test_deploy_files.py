"""The deployment examples are well-formed: kernel spec install, Z2JH profiles, SLURM scripts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def test_z2jh_values_have_a_cpu_default_and_a_gpu_profile():
    values = yaml.safe_load((DEPLOY / "jupyterhub" / "z2jh-values.yaml").read_text())
    profiles = values["singleuser"]["profileList"]
    assert sum(bool(p.get("default")) for p in profiles) == 1
    gpu = [p for p in profiles if "nvidia.com/gpu" in p.get("kubespawner_override", {}).get("extra_resource_limits", {})]
    assert gpu, "no GPU profile"
    for p in gpu:
        override = p["kubespawner_override"]
        assert any(m["mountPath"] == "/dev/shm" for m in override["volume_mounts"]), p["slug"]
        assert override["tolerations"]
    assert values["singleuser"]["extraEnv"]["HF_HUB_OFFLINE"] == "1"


@pytest.mark.parametrize("script", ["kernel/install_kernel.sh", "slurm/train_multi_gpu.sbatch",
                                    "slurm/train_single_node_torchrun.sh"])
def test_shell_scripts_parse_and_are_executable(script):
    path = DEPLOY / script
    assert os.access(path, os.X_OK), f"{path} is not executable"
    subprocess.run(["bash", "-n", str(path)], check=True)


def test_slurm_script_passes_world_size_to_the_cli():
    text = (DEPLOY / "slurm" / "train_multi_gpu.sbatch").read_text()
    for needle in ("train.devices=", "train.num_nodes=", "train.strategy=", "torchrun", "srun", "-m workbench"):
        assert needle in text


def test_kernel_spec_install_writes_offline_env(tmp_path):
    pytest.importorskip("ipykernel")
    env = dict(os.environ, PYTHON=sys.executable, JUPYTER_DATA_DIR=str(tmp_path / "data"),
               WORKBENCH_HOME=str(tmp_path / "wb"), PYTHONPATH=str(ROOT))
    proc = subprocess.run(["bash", str(DEPLOY / "kernel" / "install_kernel.sh")], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    spec = json.loads((tmp_path / "data" / "kernels" / "ki-werkbank" / "kernel.json").read_text())
    assert spec["display_name"] == "KI-Werkbank (Python 3)"
    assert spec["env"]["HF_HUB_OFFLINE"] == "1" and spec["env"]["WORKBENCH_HOME"] == str(tmp_path / "wb")
    assert Path(spec["argv"][0]).name.startswith("python")


def test_kernel_spec_install_refuses_an_environment_without_the_workbench(tmp_path):
    python = "/usr/bin/python3" if Path("/usr/bin/python3").is_file() else (shutil.which("python3") or sys.executable)
    env = dict(os.environ, PYTHON=python, JUPYTER_DATA_DIR=str(tmp_path / "data"), PYTHONPATH="")
    probe = subprocess.run([python, "-c", "import workbench"], env=env, capture_output=True, cwd=tmp_path)
    if probe.returncode == 0:
        pytest.skip(f"{python} has the workbench installed")
    proc = subprocess.run(["bash", str(DEPLOY / "kernel" / "install_kernel.sh")], env=env, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode != 0 and "lacks" in proc.stderr
