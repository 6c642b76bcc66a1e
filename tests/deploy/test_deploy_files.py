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


# ----------------------------------------------------------------------------- image, kernel name, content
IMAGE = DEPLOY / "image"


def _installed_kernel_name() -> str:
    """The kernel name ``install_kernel.sh`` installs by default (its ``KERNEL_NAME`` fallback)."""
    import re

    match = re.search(r'NAME="\$\{KERNEL_NAME:-([^}"]+)\}"', (DEPLOY / "kernel" / "install_kernel.sh").read_text())
    assert match, "install_kernel.sh: no default kernel name found"
    return match.group(1)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` of deploy/image/Dockerfile, continuation lines joined."""
    lines, current = [], ""
    for raw in (IMAGE / "Dockerfile").read_text().splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        current += " " + stripped.rstrip("\\").strip()
        if not stripped.endswith("\\"):
            lines.append(current.strip())
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_every_notebook_uses_the_kernel_the_hub_installs():
    name = _installed_kernel_name()
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "workshop").rglob("*.ipynb"))
    assert len(notebooks) >= 4
    wrong = {str(p.relative_to(ROOT)): json.loads(p.read_text())["metadata"].get("kernelspec", {}).get("name")
             for p in notebooks}
    wrong = {p: k for p, k in wrong.items() if k != name}
    assert not wrong, f"notebooks whose kernelspec is not {name!r} (what deploy/ installs): {wrong}"


def test_dockerfile_builds_the_hub_image_with_pinned_torch_and_the_kernel():
    values = yaml.safe_load((DEPLOY / "jupyterhub" / "z2jh-values.yaml").read_text())
    image = f'{values["singleuser"]["image"]["name"]}:{values["singleuser"]["image"]["tag"]}'
    text = (IMAGE / "Dockerfile").read_text()
    assert f"-t {image} " in text, f"the Dockerfile's build command does not tag {image} (the values' image)"
    steps = _dockerfile_instructions()
    assert steps[0][0] == "FROM" and steps[0][1].startswith("python:3.11"), steps[0]
    args = dict(a.split("=", 1) for kind, a in steps if kind == "ARG" and "=" in a)
    assert args["TORCH_VERSION"] == "2.13.0"
    runs = " && ".join(a for kind, a in steps if kind == "RUN")
    pip = [c.strip() for c in runs.split("&&") if "pip install" in c]
    # torch alone first, then the package with torch pinned in the same call.
    assert '"torch==${TORCH_VERSION}"' in pip[0] and "ki-werkbank" not in pip[0], pip
    assert '"torch==${TORCH_VERSION}"' in pip[1] and "/src/ki-werkbank[" in pip[1], pip
    assert f"KERNEL_NAME={_installed_kernel_name()}" in runs and "install_kernel.sh --sys-prefix" in runs
    assert f'default_kernel_name = "{_installed_kernel_name()}"' in runs
    copies = [a for kind, a in steps if kind == "COPY"]
    for needed in ("notebooks /opt/ki-werkbank/notebooks", "workshop /opt/ki-werkbank/workshop",
                   "deploy/kernel/install_kernel.sh"):
        assert any(needed in c for c in copies), f"the image lacks {needed}"
    env = " ".join(a for kind, a in steps if kind == "ENV")
    assert "HF_HUB_OFFLINE=1" in env
    assert dict(steps)["USER"] == "jovyan"


def test_nothing_is_downloaded_when_the_container_runs():
    # Downloads belong in RUN (build time); what runs in the container (CMD, ENTRYPOINT, the start
    # hook) must work without a network: no pip, no git clone, no curl/wget, no hub download.
    steps = _dockerfile_instructions()
    at_run_time = " ".join(a for kind, a in steps if kind in ("CMD", "ENTRYPOINT"))
    at_run_time += (IMAGE / "start-ki-werkbank.sh").read_text()
    for word in ("pip ", "git clone", "curl ", "wget ", "huggingface-cli", "snapshot_download", "allow_download"):
        assert word not in at_run_time, f"run time uses {word!r}"
    assert "HF_HUB_OFFLINE=1" in " ".join(a for kind, a in steps if kind == "ENV")


def test_the_post_start_hook_runs_the_script_the_image_installs():
    values = yaml.safe_load((DEPLOY / "jupyterhub" / "z2jh-values.yaml").read_text())
    command = values["singleuser"]["lifecycleHooks"]["postStart"]["exec"]["command"]
    copies = [a for kind, a in _dockerfile_instructions() if kind == "COPY"]
    assert f"deploy/image/start-ki-werkbank.sh {command[0]}" in copies, (command, copies)
    assert os.access(IMAGE / "start-ki-werkbank.sh", os.X_OK)
    subprocess.run(["bash", "-n", str(IMAGE / "start-ki-werkbank.sh")], check=True)


def test_start_script_copies_the_content_and_keeps_the_users_edits(tmp_path):
    content, home = tmp_path / "opt", tmp_path / "home"
    for rel in ("notebooks/01_quickstart.ipynb", "workshop/exercises/01_legal_text.ipynb",
                "home/models/maintenance-base-x/model.safetensors"):
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text(f"image copy of {rel}")
    env = dict(os.environ, HOME=str(home), WORKBENCH_IMAGE_CONTENT=str(content),
               WORKBENCH_HOME=str(home / ".ki-werkbank"))
    script = str(IMAGE / "start-ki-werkbank.sh")
    subprocess.run(["bash", script], env=env, check=True, capture_output=True)
    target = home / "ki-werkbank"
    assert (target / "workshop/exercises/01_legal_text.ipynb").read_text().startswith("image copy")
    assert (home / ".ki-werkbank/models/maintenance-base-x/model.safetensors").is_file()
    # A participant's edit survives the next start; a deleted file comes back.
    (target / "workshop/exercises/01_legal_text.ipynb").write_text("my answer")
    (target / "notebooks/01_quickstart.ipynb").unlink()
    subprocess.run(["bash", script], env=env, check=True, capture_output=True)
    assert (target / "workshop/exercises/01_legal_text.ipynb").read_text() == "my answer"
    assert (target / "notebooks/01_quickstart.ipynb").read_text().startswith("image copy")


def test_the_build_context_leaves_out_local_runs_and_the_venv():
    ignored = {line.strip() for line in (IMAGE / "Dockerfile.dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    for pattern in (".venv", "**/runs", "**/.ipynb_checkpoints", ".git"):
        assert pattern in ignored, pattern
    for needed in ("notebooks", "workshop", "workbench", "configs", "datasets", "deploy"):
        assert needed not in ignored
