"""Everything a Prefect server needs before `prefect --no-prompt deploy --all` can run the pipeline.

    python -m deployments.setup_blocks        # blocks (secrets included), work pool, browser-crawl limit
    python -m deployments.setup_automations   # Slack alerts for failed, crashed and stuck runs
    python -m deployments                     # both, in that order

Each script reads the environment, creates or updates what it names, and can run any number of
times: nothing is ever duplicated. Values whose variables are unset are skipped with a note.
"""

from radar.settings import (  # noqa: F401  (the flows read the same names)
    AWS_CREDENTIALS_BLOCK,
    S3_BUCKET_BLOCK,
    SLACK_BLOCK,
    TRINO_PASSWORD_BLOCK,
    TRINO_URL_BLOCK,
    TRINO_URL_VARIABLE,
)

WORK_POOL = "radar-process"
BROWSER_CRAWL_LIMIT = 1  # a concurrency limit on the tag flows.daily.BROWSER_CRAWL_TAG

# The flows the deployments run (flows/daily.py); automations watch only these.
FLOW_NAMES = ["daily-market-snapshot", "crawl-marketplaces", "rebuild-marts", "backfill"]
