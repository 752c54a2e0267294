"""The local single-node Trino for tests (ops/trino/trino.py; docs/operations.md, "A local Trino").

Import the fixture into a test module: `from tests.trino_fixtures import trino_server`.
The session reuses a server already running for this checkout (`make trino`, `make test`) and
otherwise starts one, and stops it at the end. When it cannot start, the tests fail where
CI=true and skip, with the launcher's message, elsewhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "ops" / "trino" / "trino.py"


@dataclass(frozen=True)
class TrinoServer:
    url: str  # http://127.0.0.1:<port>
    radar_trino_url: str  # the RADAR_TRINO_URL form: http://radar@127.0.0.1:<port>/iceberg/marts
    port: int
    pid: int
    version: str
    home: Path
    s3_endpoint: str  # the S3 stand-in (moto's server) both catalogs read s3:// from

    def s3_client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.s3_endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def connect(self, catalog: str = "iceberg", schema: str = "information_schema"):
        import trino

        return trino.dbapi.connect(host="127.0.0.1", port=self.port, user="radar", catalog=catalog,
                                   schema=schema, timezone="UTC")


def trino_home() -> Path:
    return Path(os.environ.get("TRINO_HOME") or REPO_ROOT / ".trino").resolve()


def script(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args, "--home", str(trino_home())],
                          capture_output=True, text=True, timeout=timeout, check=False)


def unavailable(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def trino_server():
    already_running = script("url", timeout=60).returncode == 0
    started = script("start")
    if started.returncode != 0:
        unavailable(f"the local Trino did not start (python ops/trino/trino.py start):\n{started.stderr[-4000:]}")
    state = json.loads((trino_home() / "state.json").read_text())
    yield TrinoServer(url=state["url"], radar_trino_url=state["radar_trino_url"], port=state["port"],
                      pid=state["pid"], version=state["version"], home=trino_home(),
                      s3_endpoint=state["s3_endpoint"])
    if not already_running:
        script("stop", timeout=120)


@pytest.fixture(scope="module", name="trino")
def local_trino(request):
    """The local server, for tests whose lake lives where only it reads (a local path or its S3
    stand-in): TRINO_URL naming another cluster skips them, with the reason."""
    server = request.getfixturevalue("trino_server")
    url = os.environ.get("TRINO_URL")
    if url and url != server.radar_trino_url:
        pytest.skip("TRINO_URL names another cluster: this test's lake is where only the local server reads it")
    return server
