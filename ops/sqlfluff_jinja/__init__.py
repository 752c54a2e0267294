"""The Jinja context sqlfluff lints transformations/ with (`.sqlfluff`: library_path).

sqlfluff's jinja templater puts this package's top-level names into every file's context, so a
linted file renders as the project renders it:
- the runner's own Jinja environment (transformations.models.jinja_environment): every macro
  and top-level `{% set %}` of transformations/macros, days_before, days_after, sql_date;
- a model's variables (transformations.models.template_context) for one day: start_date,
  end_date, ds, this, this_schema, this_table, between_days;
- a custom audit's arguments (transformations/audits: `this` and `columns`);
- the DDL's variables (transformations.engines.render_trino_ddl): catalog, raw_catalog,
  lake_url, model_schemas;
- a model's Jinja parameters (`{% set min_sales = min_sales | default(5) %}`) undefined, as
  the runner renders them, so their defaults apply.
Only for linting: nothing in the project imports it.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import jinja2.defaults
import jinja2.meta

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # sqlfluff run from a checkout that is not installed
    sys.path.insert(0, str(_ROOT))

from transformations.engines import MODEL_SCHEMAS  # noqa: E402
from transformations.models import SQL_DIR, jinja_environment, template_context  # noqa: E402

_DAY = date(2026, 9, 1)

_ENV = jinja_environment()
globals().update({name: value for name, value in _ENV.globals.items() if name not in jinja2.defaults.DEFAULT_NAMESPACE})
globals().update(template_context("intermediate.int_listings_unioned", _DAY, _DAY))

for _path in sorted(SQL_DIR.glob("*/*.sql")):
    for _name in jinja2.meta.find_undeclared_variables(_ENV.parse(_path.read_text())):
        if _name not in globals() and _name not in jinja2.defaults.DEFAULT_NAMESPACE:
            globals()[_name] = jinja2.StrictUndefined(name=_name)

# transformations/audits/unique_listing_per_day.sql
columns = ["listing_id", "snapshot_date"]

# transformations/ddl/*.sql
catalog = "iceberg"
raw_catalog = "hive"
lake_url = "local:///data/lake"
model_schemas = list(MODEL_SCHEMAS)
