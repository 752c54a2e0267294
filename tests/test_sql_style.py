"""The SQL style of transformations/ (transformations/README.md, "SQL style"): sqlfluff with the
repository's .sqlfluff (Trino dialect, the Jinja templater over the project's own macros and
variables, ops/sqlfluff_jinja) passes on every SQL file it lints, and those are every SQL file
under transformations/ except the ones .sqlfluffignore names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# .sqlfluffignore: macro files (definitions only) and the one DDL file sqlfluff cannot parse
NOT_LINTED = {"transformations/ddl/20_sync_partitions.sql"}


def sqlfluff_lint(*paths: str | Path, options: tuple[str, ...] = ()) -> list[dict]:
    """`sqlfluff lint --format json` as a developer runs it from the checkout: one dict per file."""
    run = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", *map(str, paths), *options, "--format", "json", "--processes", "1"],
        cwd=ROOT, capture_output=True, text=True, timeout=900,
    )
    assert run.stdout.strip(), f"sqlfluff printed nothing (exit {run.returncode}):\n{run.stderr[-3000:]}"
    return json.loads(run.stdout)


def problems(report: list[dict]) -> list[str]:
    return [f"{entry['filepath']}:{v['start_line_no']}:{v['start_line_pos']} {v['code']} {v['description']}"
            for entry in report for v in entry["violations"]]


def test_every_sql_file_of_transformations_passes_sqlfluff():
    report = sqlfluff_lint("transformations")
    linted = {Path(entry["filepath"]).as_posix() for entry in report}
    wanted = {path.relative_to(ROOT).as_posix() for path in (ROOT / "transformations").rglob("*.sql")
              if "macros" not in path.parts} - NOT_LINTED
    assert linted == wanted, f"not linted: {sorted(wanted - linted)}; unexpected: {sorted(linted - wanted)}"
    found = problems(report)
    assert not found, "sqlfluff (fix the SQL, or `sqlfluff fix <file>`):\n" + "\n".join(found)


def test_the_style_rules_fire_on_a_model_using_the_macros_and_variables(tmp_path):
    """A model rendered with the project's macros and variables (no templating error), in which
    upper-case keywords, a missing alias and trailing whitespace are each reported."""
    model = tmp_path / "stg_bad.sql"
    model.write_text(
        "with\n\n"
        "listings as (\n"
        "    select * from raw.listings\n"
        "    where {{ between_days('snapshot_date') }}\n"
        "),\n\n"
        "final as (\n"
        "    SELECT\n"
        "        {{ norm('title') }} as title_text,   \n"
        "        upper(currency)\n"
        "    from listings\n"
        ")\n\n"
        "select * from final\n"
    )
    # outside the checkout, so the repository's config is named
    codes = {v["code"] for entry in sqlfluff_lint(model, options=("--config", str(ROOT / ".sqlfluff")))
             for v in entry["violations"]}
    assert {"CP01", "AL03", "LT01"} <= codes, codes
    assert not codes & {"TMP", "PRS"}, codes
