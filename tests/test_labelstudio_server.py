"""The round trip through a real Label Studio: export, load into a project, annotate through
its API as the editor would, export from Label Studio, import into claimset, validate.

Label Studio lives in its own environment, made by scripts/labelstudio-venv.sh (which .ci/run
calls): CLAIMSET_LABEL_STUDIO names it, default .venv-labelstudio/. Without it the test skips
locally and fails under CI=true. The server listens on 127.0.0.1 on a free port, keeps its
SQLite database in a temporary folder (copied from the environment's migrated template, to
start in seconds rather than minutes) and is stopped, with its process group, however the test ends.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT
from test_labelstudio import repo_copy

VENV = Path(os.environ.get("CLAIMSET_LABEL_STUDIO", ROOT / ".venv-labelstudio"))
TOKEN = "claimset0test0token0only0for0loopback"  # as in scripts/labelstudio-venv.sh
ARTICLE = "wh-accuses-nk-artillery-shells-2022-11"  # has boilerplate, cues, quantities


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url: str):
        self.url = url

    def call(self, method: str, path: str, body=None):
        req = urllib.request.Request(
            self.url + path, method=method, data=None if body is None else json.dumps(body).encode("utf-8"),
            headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            raise AssertionError(f"{method} {path}: HTTP {e.code}: {e.read()[:2000]!r}") from None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    exe = VENV / "bin" / "label-studio"
    if not exe.is_file():
        msg = f"no Label Studio at {VENV}: run scripts/labelstudio-venv.sh (or set CLAIMSET_LABEL_STUDIO)"
        if os.environ.get("CI") == "true":
            pytest.fail(msg)
        pytest.skip(msg)
    home = tmp_path_factory.mktemp("labelstudio")
    data = home / "data"
    template = VENV / "template"
    if (template / "label_studio.sqlite3").is_file():
        shutil.copytree(template, data)
    port = _free_port()
    env = {**os.environ, "LABEL_STUDIO_BASE_DATA_DIR": str(data), "LATEST_VERSION_CHECK": "false", "HOME": str(home)}
    log = open(home / "server.log", "wb")
    proc = subprocess.Popen(
        [str(exe), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(data), "--database", str(data / "label_studio.sqlite3"),
         "--username", "claimset@example.com", "--password", "claimset-test", "--user-token", TOKEN, "--enable-legacy-api-token"],
        env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        srv = Server(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + (60 if template.is_dir() else 240)
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"Label Studio exited ({proc.returncode}):\n{(home / 'server.log').read_text(errors='replace')[-3000:]}")
            try:
                srv.call("GET", "/api/projects")
                break
            except (OSError, AssertionError):
                if time.monotonic() > deadline:
                    raise AssertionError(f"Label Studio did not answer:\n{(home / 'server.log').read_text(errors='replace')[-3000:]}") from None
                time.sleep(0.5)
        yield srv
    finally:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()


def _claimset(*args, cwd):
    r = subprocess.run([sys.executable, "-m", "claimset", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_round_trip_through_label_studio(server, tmp_path):
    repo = repo_copy(tmp_path / "repo")
    claims_file = repo / "data" / "articles" / ARTICLE / "claims.jsonl"
    old = claims_file.read_text(encoding="utf-8").splitlines()
    _claimset("export", "label-studio", ARTICLE, "--out", str(tmp_path / "ls"), cwd=repo)

    project = server.call("POST", "/api/projects", {"title": "claimset review", "label_config": (tmp_path / "ls" / "labeling-config.xml").read_text(encoding="utf-8")})
    tasks = json.loads((tmp_path / "ls" / "tasks" / f"{ARTICLE}.json").read_text(encoding="utf-8"))
    assert server.call("POST", f"/api/projects/{project['id']}/import", tasks)["task_count"] == 1
    listed = server.call("GET", f"/api/tasks?project={project['id']}")
    (task,) = listed["tasks"] if isinstance(listed, dict) else listed
    task = server.call("GET", f"/api/tasks/{task['id']}")
    (prediction,) = task["predictions"]
    result = prediction["result"]

    # The annotator accepts the pre-annotations, changes one claim's certainty, and adds a claim.
    changed = next(r for r in result if r.get("id") == "c003-content0" and r.get("from_name") == "certainty")
    changed["value"]["choices"] = ["possible"]
    text = task["data"]["text"]
    words = "North Korea"
    s = text.index(words)
    region = {"start": s, "end": s + len(words)}  # the text is all in the BMP: UTF-16 = code points
    result = result + [
        {"id": "added1", "from_name": "span", "to_name": "text", "type": "labels", "value": {**region, "text": words, "labels": ["Content"]}},
        {"id": "added1", "from_name": "claim", "to_name": "text", "type": "textarea", "value": {**region, "text": ["The article names North Korea."]}},
        {"id": "added1", "from_name": "claimant", "to_name": "text", "type": "choices", "value": {**region, "choices": ["author"]}},
        {"id": "added1", "from_name": "claim_types", "to_name": "text", "type": "choices", "value": {**region, "choices": ["position"]}},
        {"id": "added1", "from_name": "annotator", "to_name": "text", "type": "textarea", "value": {**region, "text": ["ann-c"]}},
    ]
    server.call("POST", f"/api/tasks/{task['id']}/annotations", {"result": result, "was_cancelled": False, "ground_truth": False, "lead_time": 12.5})

    exported = server.call("GET", f"/api/projects/{project['id']}/export?exportType=JSON")
    assert len(exported) == 1 and len(exported[0]["annotations"]) == 1
    export_file = tmp_path / "export.json"
    export_file.write_text(json.dumps(exported, ensure_ascii=False), encoding="utf-8")

    out = _claimset("import", "label-studio", str(export_file), cwd=repo)
    assert "1 changed, 1 new, 0 removed" in out, out
    _claimset("validate", cwd=repo)
    new = claims_file.read_text(encoding="utf-8").splitlines()
    assert len(new) == len(old) + 1
    diffs = [i for i in range(len(old)) if new[i] != old[i]]
    assert [json.loads(new[i])["claim_id"] for i in diffs] == [f"{ARTICLE}-c003"]
    assert json.loads(new[diffs[0]])["factuality"]["certainty"] == "possible"
    added = json.loads(new[-1])
    assert added["content"] == [{**region, "text": words}] and added["claimant"]["kind"] == "author" and added["annotator"] == "ann-c"
    assert int(added["claim_id"].rsplit("-c", 1)[1]) > max(int(json.loads(line)["claim_id"].rsplit("-c", 1)[1]) for line in old)
