"""prefect.yaml and the deployments/ setup scripts.

The fast tests read prefect.yaml and the automation specs. The slow one starts a real Prefect
server, runs the setup scripts twice, `prefect --no-prompt deploy --all`, and a process worker
that runs the rebuild-marts deployment; the automations then post to a Slack receiver on
127.0.0.1.
"""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
import yaml

from deployments import (
    AWS_CREDENTIALS_BLOCK,
    FLOW_NAMES,
    S3_BUCKET_BLOCK,
    SLACK_BLOCK,
    TRINO_PASSWORD_BLOCK,
    TRINO_URL_BLOCK,
    TRINO_URL_VARIABLE,
    WORK_POOL,
)
from flows.alerts import ALERT_POSTED_EVENT
from flows.daily import BROWSER_CRAWL_TAG
from tests.prefect_fixtures import PREFECT, REPO_ROOT, base_env, prefect_server, slack_receiver  # noqa: F401

PREFECT_YAML = REPO_ROOT / "prefect.yaml"
DEPLOYMENT_NAMES = ["daily-market-snapshot", "crawl-marketplaces", "rebuild-marts", "backfill"]


def prefect_yaml() -> dict:
    return yaml.safe_load(PREFECT_YAML.read_text())


def deployments_by_name() -> dict[str, dict]:
    return {d["name"]: d for d in prefect_yaml()["deployments"]}


def load_entrypoint(entrypoint: str):
    path, _, attribute = entrypoint.partition(":")
    module = importlib.import_module(Path(path).with_suffix("").as_posix().replace("/", "."))
    return getattr(module, attribute)


# ---------------------------------------------------------------- prefect.yaml, no server


def test_prefect_yaml_declares_the_four_deployments_on_one_shared_pool():
    text = PREFECT_YAML.read_text()
    deployments = deployments_by_name()
    assert list(deployments) == DEPLOYMENT_NAMES
    # Defined once, reused by alias: the pool name and the schedule are written a single time.
    assert text.count("name: radar-process") == 1 and text.count("*radar_process") == 4
    assert text.count('cron: "0 6 * * *"') == 1
    for deployment in deployments.values():
        assert deployment["work_pool"] == {"name": WORK_POOL, "work_queue_name": "default"}
        assert deployment["description"].strip()
        assert deployment["tags"] == ["resale-radar"]


def test_only_the_daily_snapshot_is_scheduled_at_6am_new_york():
    deployments = deployments_by_name()
    assert deployments["daily-market-snapshot"]["schedules"] == [
        {"cron": "0 6 * * *", "timezone": "America/New_York", "active": True}
    ]
    for name in ("crawl-marketplaces", "rebuild-marts", "backfill"):
        assert deployments[name]["schedules"] == []


@pytest.mark.parametrize("name", DEPLOYMENT_NAMES)
def test_entrypoint_is_the_flow_and_parameters_fit_its_signature(name):
    from prefect import Flow

    deployment = deployments_by_name()[name]
    flow = load_entrypoint(deployment["entrypoint"])
    assert isinstance(flow, Flow) and flow.name == name
    signature = inspect.signature(flow.fn)
    assert set(deployment.get("parameters") or {}) <= set(signature.parameters)
    required = [p for p, spec in signature.parameters.items() if spec.default is inspect.Parameter.empty]
    if deployment["schedules"]:  # a scheduled run has nobody to fill in a required parameter
        assert not set(required) - set(deployment.get("parameters") or {})


def test_flow_names_watched_by_the_automations_are_the_deployed_flows():
    assert sorted(FLOW_NAMES) == sorted(load_entrypoint(d["entrypoint"]).name for d in prefect_yaml()["deployments"])


def test_pull_step_sets_the_working_directory_from_the_workers_environment():
    assert prefect_yaml()["pull"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": "{{ $RADAR_REPO_DIR }}"}}
    ]


def test_prefect_yaml_holds_no_secrets():
    text = PREFECT_YAML.read_text()
    assert "hooks.slack.com" not in text
    assert not re.search(r"(password|token|secret_access_key|access_key_id|webhook_url)\s*:", text, re.IGNORECASE)
    assert not re.search(r"https?://", text)


# ---------------------------------------------------------------- automation specs, no server


def test_automations_alert_on_failed_crashed_stuck_and_an_idle_pool(monkeypatch):
    from prefect.events.actions import SendNotification

    monkeypatch.setenv("RADAR_ALERT_RUNNING_HOURS", "2")
    monkeypatch.delenv("RADAR_ALERT_PENDING_MINUTES", raising=False)
    from deployments.setup_automations import desired_automations

    block_id = uuid4()
    automations = {a.name: a for a in desired_automations(block_id)}
    failed = automations["radar: flow run failed or crashed"].trigger
    assert failed.posture == "Proactive" and failed.after == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert failed.expect == {ALERT_POSTED_EVENT} and failed.within == timedelta(seconds=120)  # the hook's alert
    assert failed.for_each == {"prefect.resource.id"}  # per run
    running = automations["radar: flow run stuck in Running"].trigger
    assert running.posture == "Proactive" and running.after == {"prefect.flow-run.Running"}
    assert running.within == timedelta(hours=2) and "prefect.flow-run.Completed" in running.expect
    assert "prefect.flow-run.Running" not in running.expect
    pending = automations["radar: flow run stuck in Pending"].trigger
    assert pending.posture == "Proactive" and pending.after == {"prefect.flow-run.Pending"}
    assert pending.within == timedelta(minutes=30) and "prefect.flow-run.Running" in pending.expect
    for trigger in (failed, running, pending):
        assert trigger.match_related["prefect.resource.name"] == FLOW_NAMES  # only our flows
    assert automations["radar: work pool not ready"].trigger.match["prefect.resource.name"] == [WORK_POOL]
    for automation in automations.values():
        assert [type(a) for a in automation.actions] == [SendNotification]
        assert automation.actions[0].block_document_id == block_id


@pytest.mark.parametrize("value", ["0", "-1", "0.1", "soon"])
def test_a_bad_alert_threshold_stops_the_script(monkeypatch, value):
    from deployments.setup_automations import desired_automations

    monkeypatch.setenv("RADAR_ALERT_PENDING_MINUTES", value)
    with pytest.raises(SystemExit, match="RADAR_ALERT_PENDING_MINUTES"):
        desired_automations(uuid4())


def test_setup_refuses_to_run_without_a_server(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "deployments.setup_blocks"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env=base_env(PREFECT_HOME=str(tmp_path)),
    )
    assert completed.returncode != 0
    assert "PREFECT_API_URL is not set" in completed.stderr


# ---------------------------------------------------------------- a real server, deploy and a worker

TRINO_PASSWORD = "trino-password-never-printed"


def client_for(server):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    class _Client:
        def __enter__(self):
            self._settings = temporary_settings(updates={PREFECT_API_URL: server.api_url})
            self._settings.__enter__()
            self._client = get_client(sync_client=True)
            return self._client.__enter__()

        def __exit__(self, *exc):
            self._client.__exit__(*exc)
            self._settings.__exit__(*exc)

    return _Client()


def wait_for_final_state(client, flow_run_id: UUID, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        flow_run = client.read_flow_run(flow_run_id)
        if flow_run.state and flow_run.state.is_final():
            return flow_run
        time.sleep(0.5)
    pytest.fail(f"flow run {flow_run_id} not final after {timeout} s: {flow_run.state}")


def snapshot_of_server(client) -> dict:
    """What the setup scripts and deploy created, by name, with counts (duplicates would show)."""
    from prefect.events.filters import AutomationFilter

    blocks = client.read_block_documents(include_secrets=False)
    return {
        "blocks": sorted((b.block_type.slug, b.name) for b in blocks),
        "automations": sorted(a.name for a in client.read_automations(automations=AutomationFilter())),
        "work_pools": sorted(p.name for p in client.read_work_pools()),
        "limits": sorted((c.name, c.limit) for c in client.read_global_concurrency_limits(limit=100)),
        "deployments": sorted(d.name for d in client.read_deployments()),
        "variables": sorted(v.name for v in client.read_variables()),
    }


@pytest.mark.slow
def test_deploy_all_then_a_worker_runs_rebuild_marts_and_automations_alert(prefect_server, slack_receiver, tmp_path):
    from prefect.states import Pending

    setup_env = {
        "RADAR_LAKE_URL": "s3://radar-test-bucket/lake",
        "RADAR_S3_ENDPOINT_URL": "http://127.0.0.1:9",  # stored in the block only, never contacted here
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "aws-secret-never-printed",
        "RADAR_SLACK_WEBHOOK_URL": slack_receiver.url,
        "RADAR_TRINO_URL": "https://radar@trino.example:443/hive/marts",
        "RADAR_TRINO_PASSWORD": TRINO_PASSWORD,
        "RADAR_ALERT_PENDING_MINUTES": "0.2",  # 12 s, so the stuck-in-Pending alert fires during the test
        # the failure safety net's wait for the flow's own alert (room to spare on a busy machine)
        "RADAR_ALERT_HOOK_GRACE_SECONDS": "30",
    }

    # 1. Blocks, pool, limit and automations; then deploy every deployment in prefect.yaml.
    first = prefect_server.run([sys.executable, "-m", "deployments"], **setup_env)
    for secret in (TRINO_PASSWORD, "aws-secret-never-printed", "webhook-secret-token"):
        assert secret not in first.stdout + first.stderr
    assert "created block s3-bucket/radar-lake" in first.stdout
    prefect_server.run([*PREFECT, "--no-prompt", "deploy", "--all"])

    with client_for(prefect_server) as client:
        created = snapshot_of_server(client)

        # 2. The four deployments, their pool, schedule, parameters and pull step.
        assert created["deployments"] == sorted(DEPLOYMENT_NAMES)
        daily = client.read_deployment_by_name("daily-market-snapshot/daily-market-snapshot")
        assert daily.work_pool_name == WORK_POOL
        schedules = [(s.schedule.cron, s.schedule.timezone, s.active) for s in daily.schedules]
        assert schedules == [("0 6 * * *", "America/New_York", True)]
        assert daily.parameters == {"snapshot_date": None, "marketplaces": None, "post_digest": True}
        assert set(daily.parameter_openapi_schema["properties"]) >= {"snapshot_date", "marketplaces"}
        assert daily.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $RADAR_REPO_DIR }}"}}]
        rebuild = client.read_deployment_by_name("rebuild-marts/rebuild-marts")
        assert rebuild.schedules == [] and rebuild.parameter_openapi_schema["required"] == ["start_date"]
        backfill = client.read_deployment_by_name("backfill/backfill")
        assert backfill.schedules == [] and backfill.global_concurrency_limit.limit == 1

        # 3. The blocks hold what the environment said; the bucket block references the credentials block.
        from prefect.blocks.system import Secret
        from prefect_aws import S3Bucket

        bucket = S3Bucket.load(S3_BUCKET_BLOCK, _sync=True)  # client_for set PREFECT_API_URL
        password = Secret.load(TRINO_PASSWORD_BLOCK, _sync=True).get()
        assert (bucket.bucket_name, bucket.bucket_folder) == ("radar-test-bucket", "lake")
        assert bucket.credentials.aws_client_parameters.endpoint_url == "http://127.0.0.1:9"
        assert bucket.credentials.aws_secret_access_key.get_secret_value() == "aws-secret-never-printed"
        assert password == TRINO_PASSWORD
        assert Secret.load(TRINO_URL_BLOCK, _sync=True).get() == "https://radar@trino.example:443/hive/marts"
        assert client.read_variable_by_name(TRINO_URL_VARIABLE) is None  # the URL is a secret, never a plain variable
        assert ("aws-credentials", AWS_CREDENTIALS_BLOCK) in created["blocks"]
        assert ("slack-incoming-webhook", SLACK_BLOCK) in created["blocks"]
        assert (f"tag:{BROWSER_CRAWL_TAG}", 1) in created["limits"]
        assert len(created["automations"]) == 4
        assert client.read_work_pool(WORK_POOL).type == "process"

    # 4. Everything again: nothing is duplicated.
    second = prefect_server.run([sys.executable, "-m", "deployments"], **setup_env)
    assert "created" not in second.stdout, second.stdout
    prefect_server.run([*PREFECT, "--no-prompt", "deploy", "--all"])
    with client_for(prefect_server) as client:
        assert snapshot_of_server(client) == created

        # 5. Two runs of rebuild-marts for a worker (one good on an empty lake, one with a bad
        #    date range) and one left in Pending with no worker, for the stuck alert.
        good = client.create_flow_run_from_deployment(rebuild.id, parameters={"start_date": "2026-09-01"})
        bad = client.create_flow_run_from_deployment(rebuild.id,
                                                     parameters={"start_date": "2026-09-02", "end_date": "2026-09-01"})
        stuck = client.create_flow_run_from_deployment(rebuild.id, parameters={"start_date": "2026-09-03"})
        client.set_flow_run_state(stuck.id, Pending())

    # 6. A process worker, started outside the checkout: the pull step moves runs into it.
    worker_dir = tmp_path / "worker"
    worker_dir.mkdir()
    worker = prefect_server.run(
        [*PREFECT, "worker", "start", "--pool", WORK_POOL, "--run-once"],
        cwd=worker_dir, timeout=600,
        RADAR_REPO_DIR=str(REPO_ROOT),
        RADAR_LAKE_URL=str(tmp_path / "lake"),
        RADAR_WAREHOUSE_PATH=str(tmp_path / "warehouse.duckdb"),
    )
    with client_for(prefect_server) as client:
        good_run = wait_for_final_state(client, good.id)
        bad_run = wait_for_final_state(client, bad.id)
        assert bad_run.state.is_failed() and "end_date 2026-09-01 is before start_date 2026-09-02" in bad_run.state.message

    # 7. The failed run posted its own detailed alert, once: the server's safety net saw the
    #    hook's radar.alert.posted event and stayed quiet. A run that crashed with no hook to
    #    report it (here: marked Crashed by the server) gets the safety net's post instead, and
    #    the stuck run its stuck alert. The server runs with its UI off here, so messages name
    #    the run id instead of a link.
    slack_receiver.wait_for(":red_circle: *rebuild-marts* failed", "end_date 2026-09-01 is before start_date 2026-09-02")
    with client_for(prefect_server) as client:
        from prefect.states import Crashed

        crashed = client.create_flow_run_from_deployment(rebuild.id, parameters={"start_date": "2026-09-04"})
        client.set_flow_run_state(crashed.id, Crashed(message="worker process killed"), force=True)
    slack_receiver.wait_for("Prefect automation", "rebuild-marts", crashed.name, "Crashed", str(crashed.id))
    slack_receiver.wait_for("Prefect automation", "stuck in Pending", stuck.name, str(stuck.id))
    # The failure safety net stayed quiet for the failed run: the crashed run's alert came 30 s
    # after it crashed, so the failed run's window (opened earlier) had closed by then. Alerts are
    # told apart by run id and kind, not counted in a time window: on a busy machine the worker may
    # pick the bad run up after the Pending limit, and its stuck-in-Pending alert is no failure alert.
    assert not [t for t in slack_receiver.texts() if ":red_circle: Prefect automation" in t and str(bad.id) in t]
    hook_alerts = [t for t in slack_receiver.texts() if "*rebuild-marts* failed" in t and "end_date 2026-09-01 is before" in t]
    assert len(hook_alerts) == 1, hook_alerts
    assert not any(TRINO_PASSWORD in text for text in slack_receiver.texts())

    # 8. The good run went through the transformation runner on an empty lake.
    assert good_run.state.is_completed(), f"rebuild-marts on an empty lake: {good_run.state.message}\n{worker.stderr[-4000:]}"
