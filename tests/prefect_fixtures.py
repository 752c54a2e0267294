"""Helpers for tests that need a real Prefect server process (not the in-process test harness):
`prefect deploy`, workers and automations only exist against a running server.

Import the fixtures into a test module: `from tests.prefect_fixtures import prefect_server, slack_receiver`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
PREFECT = [sys.executable, "-m", "prefect"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**extra: str) -> dict[str, str]:
    """The test process's environment without outside Prefect/Radar/AWS settings, plus offline defaults."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RADAR_", "AWS_"))}
    env.update(
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120",
        PREFECT_LOGGING_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass
class PrefectServer:
    api_url: str
    home: Path
    process: subprocess.Popen
    log_path: Path

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a subprocess talking to this server."""
        return base_env(PREFECT_API_URL=self.api_url, PREFECT_HOME=str(self.home), **extra)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def run(self, args: list[str], timeout: float = 300, cwd: Path = REPO_ROOT, **env: str) -> subprocess.CompletedProcess:
        """Run a command against this server; fail the test with its output unless it exits 0."""
        completed = subprocess.run(args, cwd=cwd, env=self.env(**env), capture_output=True, text=True, timeout=timeout)
        if completed.returncode != 0:
            pytest.fail(f"{' '.join(args)} exited {completed.returncode}\n"
                        f"stdout:\n{completed.stdout[-4000:]}\nstderr:\n{completed.stderr[-4000:]}")
        return completed


def start_prefect_server(directory: Path, timeout: float = 120) -> PrefectServer:
    home = directory / "prefect-home"
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = directory / "prefect-server.log"
    log = log_path.open("w")
    env = base_env(PREFECT_HOME=str(home), PREFECT_UI_ENABLED="false")
    process = subprocess.Popen(
        [*PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        cwd=directory, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    server = PrefectServer(f"http://127.0.0.1:{port}/api", home, process, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.api_url + "/health", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    stop_prefect_server(server)
    raise RuntimeError(f"prefect server not healthy after {timeout} s:\n{server.log_tail()}")


def stop_prefect_server(server: PrefectServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    server = start_prefect_server(tmp_path_factory.mktemp("prefect-server"))
    yield server
    stop_prefect_server(server)


@dataclass
class SlackReceiver:
    """Stands in for Slack's incoming-webhook endpoint on 127.0.0.1; keeps every JSON body posted."""

    url: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    _server: HTTPServer | None = None

    def start(self) -> SlackReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.messages.append(json.loads(body or b"{}"))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/services/T000/B000/webhook-secret-token"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def texts(self) -> list[str]:
        return [json.dumps(message) for message in self.messages]

    def wait_for(self, *needles: str, timeout: float = 90) -> str:
        """The first message containing every needle; fails the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for text in self.texts():
                if all(needle in text for needle in needles):
                    return text
            time.sleep(0.5)
        pytest.fail(f"no Slack message with {needles} within {timeout} s; got:\n" + "\n".join(self.texts()))

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()


@pytest.fixture(scope="module")
def slack_receiver():
    receiver = SlackReceiver().start()
    yield receiver
    receiver.stop()
