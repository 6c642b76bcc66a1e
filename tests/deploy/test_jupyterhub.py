"""A real JupyterHub on 127.0.0.1: log in, spawn JupyterLab, run a workbench notebook through the hub.

What runs: ``jupyterhub`` (pip) with the npm ``configurable-http-proxy``, the ``DummyAuthenticator``
(one shared password) and the ``SimpleLocalProcessSpawner`` (each user's server is a local process
of the current OS user, with its own home directory under a temp dir). The test

1. logs ``alice`` in through the hub's login form (as a browser would: xsrf cookie, POST),
2. starts her server through the hub's REST API and waits until it is ready,
3. opens ``/user/alice/lab`` with the login session (following the hub's OAuth redirects) and
   checks that JupyterLab answers,
4. uploads ``notebooks/01_quickstart.ipynb``, starts a kernel and executes every code cell over
   the kernel's websocket, all through the hub's proxy, with ``WORKBENCH_SMOKE=1``, and checks
   that no cell fails and that the quickstart printed its evaluation.

Skips with the reason when ``jupyterhub`` or ``configurable-http-proxy`` is not installed
(``.ci/install_system_deps.sh`` installs both), and fails instead when
``WORKBENCH_REQUIRE_SYSTEM_DEPS=1`` (CI and ``make test-browser`` set it, so a missing dependency
cannot pass as a skip). Every wait is bounded (the notebook runs in about a minute; a cell may take
at most ``CELL_TIMEOUT`` s), so a stuck hub fails instead of hanging CI. Marked ``hub``: CI runs it
in its own step.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.hub

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "01_quickstart.ipynb"
PASSWORD = "werkbank-test"
ADMIN_TOKEN = uuid.uuid4().hex
USER = "alice"
CELL_TIMEOUT = 300  # seconds per notebook cell; the smoke-mode quickstart takes about a minute in all


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _requirements() -> str | None:
    try:
        import jupyterhub  # noqa: F401
        import requests  # noqa: F401
        import websocket  # noqa: F401
    except ImportError as exc:
        return f"needs pip packages jupyterhub, requests and websocket-client ({exc.name} missing)"
    if shutil.which("configurable-http-proxy") is None:
        return "needs the npm package configurable-http-proxy on PATH (npm install -g configurable-http-proxy)"
    if not NOTEBOOK.is_file():
        return f"{NOTEBOOK} not found"
    return None


CONFIG = """
import sys
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/cookie_secret"
c.ConfigurableHTTPProxy.pid_file = "{tmp}/proxy.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = "{password}"
c.Authenticator.allowed_users = {{"{user}"}}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp}/home/{{username}}"
c.Spawner.cmd = ["{singleuser}"]
c.Spawner.args = {args!r}
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {env!r}
c.JupyterHub.services = [{{"name": "ci", "api_token": "{token}"}}]
c.JupyterHub.load_roles = [{{"name": "ci-admin", "services": ["ci"],
    "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "read:users"]}}]
"""


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    reason = _requirements()
    if reason:
        if os.environ.get("WORKBENCH_REQUIRE_SYSTEM_DEPS") == "1":
            pytest.fail(f"WORKBENCH_REQUIRE_SYSTEM_DEPS=1: {reason}")
        pytest.skip(reason)
    import requests

    tmp = tmp_path_factory.mktemp("hub")
    (tmp / "home").mkdir()
    port = _free_port()
    env = {"HF_HUB_OFFLINE": "1", "WORKBENCH_SMOKE": "1", "WORKBENCH_HOME": str(tmp / "workbench-home"),
           "PYTHONPATH": str(ROOT), "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": "1",
           "PATH": os.environ.get("PATH", "")}
    singleuser = Path(sys.executable).with_name("jupyterhub-singleuser")
    config = tmp / "jupyterhub_config.py"
    config.write_text(CONFIG.format(port=port, hub_port=_free_port(), proxy_api_port=_free_port(), tmp=tmp,
                                    password=PASSWORD, user=USER, singleuser=singleuser, env=env,
                                    # CI containers run as root, and Jupyter Server refuses root
                                    # without this flag; the spawned server is the same OS user.
                                    args=["--allow-root"] if os.geteuid() == 0 else [],
                                    token=ADMIN_TOKEN))
    log = open(tmp / "hub.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)], cwd=tmp, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                if requests.get(f"{base}/hub/api", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail("JupyterHub did not start:\n" + (tmp / "hub.log").read_text()[-4000:])
            time.sleep(0.5)
        yield {"base": base, "tmp": tmp}
    finally:
        try:
            requests.delete(f"{base}/hub/api/users/{USER}/server", headers={"Authorization": f"token {ADMIN_TOKEN}"},
                            timeout=10)
        except Exception:  # noqa: BLE001 - best effort before the hub goes down
            pass
        # The hub and the proxy it started run in their own session: stop exactly that group.
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def _login(base: str):
    import requests

    s = requests.Session()
    r = s.get(f"{base}/hub/login", timeout=10)
    r.raise_for_status()
    xsrf = s.cookies.get("_xsrf")
    r = s.post(f"{base}/hub/login?next=", data={"username": USER, "password": PASSWORD, "_xsrf": xsrf},
               allow_redirects=False, timeout=10)
    assert r.status_code == 302, f"login failed: {r.status_code} {r.text[:300]}"
    return s


def test_wrong_password_is_refused(hub):
    import requests

    s = requests.Session()
    s.get(f"{hub['base']}/hub/login", timeout=10)
    r = s.post(f"{hub['base']}/hub/login", data={"username": USER, "password": "nope", "_xsrf": s.cookies.get("_xsrf")},
               allow_redirects=False, timeout=10)
    assert r.status_code != 302 or "/hub/login" in r.headers.get("location", "")


def _decode(frame: str | bytes) -> dict:
    """A kernel message from a websocket frame: JSON text, or Jupyter's binary framing for messages
    with buffers (widgets send those): uint32 count n, n uint32 offsets, then the JSON message at
    the first offset and the buffers after it (jupyter_server's ``serialize_binary_message``)."""
    if isinstance(frame, str):
        return json.loads(frame)
    n = int.from_bytes(frame[:4], "big")
    offsets = [int.from_bytes(frame[4 + 4 * i:8 + 4 * i], "big") for i in range(n)]
    return json.loads(frame[offsets[0]:offsets[1] if n > 1 else None].decode("utf-8"))


def _execute(ws, code: str, timeout: float) -> dict:
    """Run ``code`` in the kernel; return stdout and rich text/plain output, error (if any) and the reply status."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": USER, "session": uuid.uuid4().hex,
                   "date": dt.datetime.now(dt.timezone.utc).isoformat(), "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    out = {"stdout": "", "error": None, "status": None, "idle": False}
    deadline = time.time() + timeout
    while not (out["status"] and out["idle"]):
        if time.time() > deadline:
            raise TimeoutError(f"cell did not finish within {timeout} s: {code[:80]!r}")
        ws.settimeout(max(1.0, deadline - time.time()))
        msg = _decode(ws.recv())
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if kind == "stream" and msg["content"].get("name") == "stdout":
            out["stdout"] += msg["content"]["text"]
        elif kind in ("execute_result", "display_data"):
            # Tables and the verdict line are rich outputs; their text/plain form is what a
            # terminal would show.
            out["stdout"] += msg["content"].get("data", {}).get("text/plain", "") + "\n"
        elif kind == "error":
            out["error"] = f"{msg['content']['ename']}: {msg['content']['evalue']}"
        elif kind == "execute_reply":
            out["status"] = msg["content"]["status"]
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            out["idle"] = True
    return out


def test_login_spawn_lab_and_run_notebook_through_the_hub(hub):
    import requests
    import websocket

    base, api = hub["base"], f"{hub['base']}/hub/api"
    admin = {"Authorization": f"token {ADMIN_TOKEN}"}
    session = _login(base)

    # Spawn alice's server through the REST API and wait until the hub reports it ready.
    r = requests.post(f"{api}/users/{USER}/server", headers=admin, timeout=30)
    assert r.status_code in (201, 202), r.text
    deadline = time.time() + 180
    while True:
        user = requests.get(f"{api}/users/{USER}", headers=admin, timeout=10).json()
        if user.get("servers", {}).get("", {}).get("ready"):
            break
        assert time.time() < deadline, "server did not become ready:\n" + (hub["tmp"] / "hub.log").read_text()[-4000:]
        time.sleep(1)

    # JupyterLab through the proxy with the login session (OAuth redirects to the hub and back).
    lab = session.get(f"{base}/user/{USER}/lab", timeout=60)
    assert lab.status_code == 200 and "JupyterLab" in lab.text, lab.text[:300]

    # A token for alice, then the single-user server's REST API and kernel websocket via the proxy.
    token = requests.post(f"{api}/users/{USER}/tokens", headers=admin, json={"note": "ci"},
                          timeout=10).json()["token"]
    auth = {"Authorization": f"token {token}"}
    server = f"{base}/user/{USER}"
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    r = requests.put(f"{server}/api/contents/quickstart.ipynb", headers=auth, timeout=30,
                     json={"type": "notebook", "format": "json", "content": nb})
    assert r.status_code in (200, 201), r.text
    kernel = requests.post(f"{server}/api/kernels", headers=auth, json={"name": "python3"}, timeout=60).json()
    ws = websocket.create_connection(f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/user/{USER}/api/kernels/"
                                     f"{kernel['id']}/channels", header=[f"Authorization: token {token}"],
                                     timeout=60)
    try:
        env = _execute(ws, "import os, sys; print(os.environ.get('WORKBENCH_SMOKE'), sys.executable)", 120)
        assert env["stdout"].startswith("1 "), env
        printed = ""
        for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
            res = _execute(ws, "".join(cell["source"]), timeout=CELL_TIMEOUT)
            assert res["status"] == "ok" and res["error"] is None, f"code cell {i} failed: {res['error']}"
            printed += res["stdout"]
    finally:
        ws.close()
        requests.delete(f"{server}/api/kernels/{kernel['id']}", headers=auth, timeout=30)
    # The comparison table and the closing verdict line made it back through the hub.
    assert "macro" in printed.lower() and "Best model on this data" in printed, printed[-1500:]
