#!/usr/bin/env python3
"""A local single-node Trino for tests and trying the production path (docs/operations.md, "A local Trino").

    python ops/trino/trino.py install   # fetch Trino with Maven (cached in ~/.m2) and unpack it into .trino/
    python ops/trino/trino.py start     # install if needed, start on 127.0.0.1, wait until it answers, print its URL
    python ops/trino/trino.py url       # the RADAR_TRINO_URL of the running server (exit 1 if none)
    python ops/trino/trino.py status    # URL, pid and the JVM's resident memory
    python ops/trino/trino.py stop

Beside Trino it starts an S3 stand-in, moto's server from the project's virtualenv, on another
loopback port: both catalogs read and write s3:// (that endpoint) as well as local:///<absolute path>.
Everything lives in one folder (default `.trino/` at the repository root, or TRINO_HOME): the
server, the rendered etc/, the node's data and logs (data/var/log/server.log, moto.log), the file
metastore and the Iceberg tables (metastore/), and state.json (pids, ports, URLs) that tests read.
Starting a running server again only prints its URL. Standard library only.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from contextlib import contextmanager
from pathlib import Path

VERSION = "476"  # the newest trino-server-core Maven Central serves here; runs on Java 24+
# trino-server-core plus the two plugins the project uses: smaller than the full trino-server
# tarball (798 MB vs 821 MB to download, 836 MB vs 896 MB unpacked).
ARTIFACTS = (("trino-server-core", "tar.gz"), ("trino-iceberg", "zip"), ("trino-hive", "zip"))
MIN_JAVA = 24
DEFAULT_JAVA_HOME = "/usr/lib/jvm/temurin-25-jdk-amd64"
REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent / "etc"
USER = "radar"
S3_KEY = "radar-local"  # moto's server takes any key: no credential
START_TIMEOUT_S = 240


class TrinoError(RuntimeError):
    """Trino cannot be installed, started or found: the message says what to do."""


def home_dir(value: str | None = None) -> Path:
    return Path(value or os.environ.get("TRINO_HOME") or REPO_ROOT / ".trino").resolve()


def server_dir(home: Path) -> Path:
    return home / f"trino-server-{VERSION}"


def state_path(home: Path) -> Path:
    return home / "state.json"


# -- Java -------------------------------------------------------------------------------------

def java_home() -> Path:
    """TRINO_JAVA_HOME when set (and nothing else), else the machine's Java 25, else JAVA_HOME;
    it must be Java 24 or newer."""
    explicit = os.environ.get("TRINO_JAVA_HOME")
    candidates = [explicit] if explicit else [DEFAULT_JAVA_HOME, os.environ.get("JAVA_HOME")]
    seen = []
    for candidate in filter(None, candidates):
        java = Path(candidate) / "bin" / "java"
        if not java.exists():
            seen.append(f"{candidate}: no bin/java")
            continue
        major = java_major(java)
        if major >= MIN_JAVA:
            return Path(candidate)
        seen.append(f"{candidate}: Java {major}")
    raise TrinoError(
        f"Trino {VERSION} needs Java {MIN_JAVA}+ and none was found ({'; '.join(seen) or 'nothing set'}). "
        f"Install a JDK 24+ (the project's machines carry Temurin 25 in {DEFAULT_JAVA_HOME}) and set TRINO_JAVA_HOME to it."
    )


def java_major(java: Path) -> int:
    out = subprocess.run([str(java), "-version"], capture_output=True, text=True, check=False).stderr
    found = re.search(r'version "(\d+)', out)
    return int(found.group(1)) if found else 0


# -- install ----------------------------------------------------------------------------------

def install(home: Path, *, maven_repo: str | None = None) -> Path:
    """Fetch the artifacts with Maven (kept in the local Maven repository) and unpack them once."""
    target = server_dir(home)
    if (target / ".installed").exists():
        return target
    mvn = shutil.which("mvn")
    if not mvn:
        raise TrinoError("Maven (mvn) is not on PATH: apt-get install maven")
    home.mkdir(parents=True, exist_ok=True)
    downloads = home / "downloads"
    shutil.rmtree(downloads, ignore_errors=True)
    repository = Path(maven_repo or Path.home() / ".m2" / "repository")
    archives = {}
    for artifact, kind in ARTIFACTS:
        coordinate = f"io.trino:{artifact}:{VERSION}:{kind}"
        started = time.monotonic()
        maven(mvn, "dependency:get", "-Dtransitive=false", f"-Dartifact={coordinate}", maven_repo=maven_repo)
        archive = repository / "io" / "trino" / artifact / VERSION / f"{artifact}-{VERSION}.{kind}"
        if not archive.exists():  # a local repository set elsewhere (settings.xml): ask Maven for a copy
            maven(mvn, "dependency:copy", f"-Dartifact={coordinate}", f"-DoutputDirectory={downloads}", maven_repo=maven_repo)
            archive = downloads / archive.name
        archives[artifact] = archive
        print(f"fetched {coordinate} ({archive.stat().st_size / 1e6:.0f} MB) in {time.monotonic() - started:.1f} s",
              file=sys.stderr)
    staging = home / f"trino-server-{VERSION}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(home / "unpack", ignore_errors=True)
    with tarfile.open(archives["trino-server-core"]) as archive:
        # The "tar" filter where this Python has it (3.11.4+): no absolute paths, no links out.
        archive.extractall(home / "unpack", **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))
    (home / "unpack" / f"trino-server-core-{VERSION}").rename(staging)
    shutil.rmtree(home / "unpack")
    for artifact, _kind in ARTIFACTS[1:]:
        plugin = artifact.removeprefix("trino-")
        with zipfile.ZipFile(archives[artifact]) as archive:
            archive.extractall(staging / "plugin")
        (staging / "plugin" / f"{artifact}-{VERSION}").rename(staging / "plugin" / plugin)
    for launcher in (staging / "bin").rglob("launcher"):
        launcher.chmod(0o755)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    (target / ".installed").write_text(json.dumps({"version": VERSION, "artifacts": [a for a, _ in ARTIFACTS]}))
    shutil.rmtree(downloads, ignore_errors=True)
    return target


def maven(mvn: str, goal: str, *args: str, maven_repo: str | None) -> None:
    command = [mvn, "-B", "-q", goal, *args] + ([f"-Dmaven.repo.local={maven_repo}"] if maven_repo else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise TrinoError(f"Maven failed (exit {done.returncode}): {' '.join(command)}\n{tail}")


# -- start / stop -----------------------------------------------------------------------------

@contextmanager
def locked(home: Path):
    """One start or stop at a time per folder (several shells or test sessions may ask at once)."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def read_state(home: Path) -> dict | None:
    try:
        return json.loads(state_path(home).read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def radar_url(port: int) -> str:
    """The RADAR_TRINO_URL form: http://user@host:port/catalog/schema."""
    return f"http://{USER}@127.0.0.1:{port}/iceberg/marts"


def info(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/info", timeout=5) as answer:
            return json.loads(answer.read())
    except (urllib.error.URLError, OSError, ValueError):
        return None


def alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ours(state: dict, key: str) -> bool:
    """The recorded process is alive and still the one this folder started (a pid can be reused):
    Trino's JVM names this folder's data dir, the S3 stand-in its port."""
    pid = state.get(key)
    if not alive(pid):
        return False
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    if key == "pid":
        return bool(state.get("home")) and f"-Dnode.data-dir={state['home']}/data" in command
    endpoint = state.get("s3_endpoint")
    return bool(endpoint) and "moto_server" in command and f"-p {endpoint.rsplit(':', 1)[-1]}" in command


def running(home: Path) -> dict | None:
    """The state of a server that answers and has finished starting, else None."""
    state = read_state(home)
    if state and ours(state, "pid") and ours(state, "s3_pid"):
        answer = info(state["port"])
        if answer and not answer.get("starting", True):
            return state
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def render_etc(home: Path, port: int, heap: str, query_memory: str, s3_endpoint: str) -> Path:
    etc = home / "etc"
    shutil.rmtree(etc, ignore_errors=True)
    values = {
        "port": str(port),
        "heap": heap,
        "query_memory": query_memory,
        "data_dir": str(home / "data"),
        "metastore_dir": str(home / "metastore"),
        "s3_endpoint": s3_endpoint,
        "s3_access_key": S3_KEY,
        "s3_secret_key": S3_KEY,
    }
    for template in TEMPLATES.rglob("*"):
        if template.is_file():
            out = etc / template.relative_to(TEMPLATES)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(string.Template(template.read_text()).substitute(values))
    (home / "metastore").mkdir(parents=True, exist_ok=True)
    return etc


def moto_server() -> str:
    """moto's S3 server from the project's virtualenv (the test extras), or TRINO_MOTO_SERVER."""
    for candidate in (os.environ.get("TRINO_MOTO_SERVER"), REPO_ROOT / ".venv" / "bin" / "moto_server",
                      Path(sys.executable).parent / "moto_server", shutil.which("moto_server")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise TrinoError("moto_server (the S3 stand-in) is not installed: run `make install` first")


def start_s3(home: Path) -> tuple[int, int]:
    """Start the S3 stand-in on a free loopback port; returns (pid, port) once it answers."""
    port = free_port()
    log_dir = home / "data" / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / "moto.log", "ab") as log:
        process = subprocess.Popen([moto_server(), "-H", "127.0.0.1", "-p", str(port)], stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TrinoError(f"moto_server exited ({process.returncode}): see {log_dir / 'moto.log'}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
            return process.pid, port
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    process.kill()
    raise TrinoError(f"moto_server did not answer on port {port} within 30 s")


def launcher_env(java: Path) -> dict[str, str]:
    env = dict(os.environ, JAVA_HOME=str(java))
    env["PATH"] = f"{java / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def server_log(home: Path, lines: int = 40) -> str:
    parts = []
    for log in (home / "data" / "var" / "log" / "launcher.log", home / "data" / "var" / "log" / "server.log"):
        if log.exists():
            parts.append(f"--- {log}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:]))
    return "\n".join(parts) or "(no log written)"


def start(home: Path, *, port: int | None = None, heap: str = "2G", query_memory: str = "1GB",
          maven_repo: str | None = None, timeout: float = START_TIMEOUT_S) -> dict:
    """Start the server (or find it running) and wait until it answers; returns the state."""
    java = java_home()
    with locked(home):
        state = running(home)
        if state:
            return {**state, "already_running": True}
        stale = read_state(home)
        if stale and ours(stale, "pid") and ours(stale, "s3_pid"):  # another shell is starting it
            return {**wait_until_up(home, stale, timeout), "already_running": True}
        if stale:  # half of it died: start both anew
            end_processes(stale)
        server = install(home, maven_repo=maven_repo)
        port = port or int(os.environ.get("TRINO_PORT") or 0) or free_port()
        s3_pid, s3_port = start_s3(home)
        s3_endpoint = f"http://127.0.0.1:{s3_port}"
        etc = render_etc(home, port, heap, query_memory, s3_endpoint)
        data = home / "data"
        data.mkdir(parents=True, exist_ok=True)
        pid_file = data / "var" / "run" / "launcher.pid"
        pid_file.unlink(missing_ok=True)
        started = time.monotonic()
        done = subprocess.run(
            [str(server / "bin" / "launcher"), "start", f"--etc-dir={etc}", f"--data-dir={data}"],
            env=launcher_env(java), capture_output=True, text=True, check=False,
        )
        if done.returncode != 0 or not pid_file.exists():
            end_processes({"s3_pid": s3_pid, "s3_endpoint": s3_endpoint})
            raise TrinoError(f"Trino's launcher failed (exit {done.returncode}): {done.stdout}{done.stderr}\n{server_log(home)}")
        state = {
            "pid": int(pid_file.read_text().strip()),
            "port": port,
            "url": f"http://127.0.0.1:{port}",
            "radar_trino_url": radar_url(port),
            "version": VERSION,
            "s3_pid": s3_pid,
            "s3_endpoint": s3_endpoint,
            "home": str(home),
            "java_home": str(java),
        }
        state_path(home).write_text(json.dumps(state, indent=2))
        state = wait_until_up(home, state, timeout)
        state["start_seconds"] = round(time.monotonic() - started, 1)
        state_path(home).write_text(json.dumps(state, indent=2))
        return {**state, "already_running": False}


def wait_until_up(home: Path, state: dict, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(state["pid"]):
            end_processes(state)
            state_path(home).unlink(missing_ok=True)
            raise TrinoError(f"Trino (pid {state['pid']}) exited while starting:\n{server_log(home)}")
        answer = info(state["port"])
        if answer and not answer.get("starting", True):
            return state
        time.sleep(1)
    raise TrinoError(f"Trino did not finish starting within {timeout:.0f} s on port {state['port']}:\n{server_log(home)}")


def stop(home: Path) -> bool:
    """End the server of this folder and its S3 stand-in; False if none was running."""
    with locked(home):
        state = read_state(home)
        was_running = bool(state) and ours(state, "pid")
        if state:
            end_processes(state)
        state_path(home).unlink(missing_ok=True)
        return was_running


def end_processes(state: dict, timeout: float = 60) -> None:
    """SIGTERM (Trino shuts down gracefully), then SIGKILL after the timeout; only the recorded pids."""
    pids = [state[key] for key in ("pid", "s3_pid") if ours(state, key)]
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.5)
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["install", "start", "stop", "status", "url"])
    parser.add_argument("--home", help="the folder of the server (default TRINO_HOME or .trino/)")
    parser.add_argument("--port", type=int, help="default TRINO_PORT or a free port")
    parser.add_argument("--heap", default=os.environ.get("TRINO_HEAP", "2G"), help="JVM -Xmx (default 2G)")
    parser.add_argument("--query-memory", default=os.environ.get("TRINO_QUERY_MEMORY", "1GB"))
    parser.add_argument("--maven-repo-local", help="another local Maven repository (e.g. for a cold install)")
    args = parser.parse_args(argv)
    home = home_dir(args.home)
    try:
        if args.command == "install":
            java_home()
            started = time.monotonic()
            path = install(home, maven_repo=args.maven_repo_local)
            print(f"Trino {VERSION} in {path} ({time.monotonic() - started:.1f} s)")
        elif args.command == "start":
            state = start(home, port=args.port, heap=args.heap, query_memory=args.query_memory,
                          maven_repo=args.maven_repo_local)
            took = " (already running)" if state["already_running"] else f" (started in {state['start_seconds']} s)"
            print(f"Trino {state['version']} at {state['url']}{took}", file=sys.stderr)
            print(state["radar_trino_url"])
        elif args.command == "stop":
            print("Trino stopped" if stop(home) else "Trino was not running")
        else:
            state = running(home)
            if not state:
                print(f"Trino is not running (no answering server in {home})", file=sys.stderr)
                return 1
            if args.command == "url":
                print(state["radar_trino_url"])
            else:
                rss = rss_mb(state["pid"])
                print(f"Trino {state['version']} at {state['url']} pid {state['pid']} RSS {rss:.0f} MB; "
                      f"S3 stand-in at {state['s3_endpoint']}; RADAR_TRINO_URL={state['radar_trino_url']}")
    except TrinoError as error:
        print(f"trino: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
