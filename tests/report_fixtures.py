"""One 21-day sandbox lake and warehouse for the report and export tests, built once per session.

The sandbox market is written straight into the lake (sandbox/direct_lake.py, scale 0.2: every
marketplace, about 800 Rebag listings) with one snapshot broken on purpose and a few rows at
price 0 (rejected by a row rule), so every section of the report has data; then every model is
built on DuckDB (~30 s). Import `report_data_dir` into a test module.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from radar.settings import RadarSettings

START = date(2026, 9, 1)
DAYS = 21
BROKEN = ("rebag", date(2026, 9, 10))
PRICE_ZERO_DAYS = (date(2026, 9, 8), date(2026, 9, 15))

_BUILT: dict[str, Path] = {}


def settings_for(data_dir: Path) -> RadarSettings:
    return RadarSettings(lake_url=str(data_dir / "lake"), warehouse_path=str(data_dir / "warehouse.duckdb"),
                         engine="duckdb")


def _zero_prices(data_dir: Path, marketplace: str, day: date, rows: int = 3) -> None:
    """The first rows of a published partition at price 0, as Fashionphile sometimes shows."""
    folder = data_dir / "lake" / "raw" / "listings" / f"marketplace={marketplace}" / f"snapshot_date={day}"
    for file in folder.glob("part-*.parquet"):
        table = pq.read_table(file)
        price = table.column("price")
        zero = pa.array([Decimal(0)] * rows + [None] * (len(table) - rows), type=price.type)
        index = table.schema.get_field_index("price")
        table = table.set_column(index, "price", pc.coalesce(zero, price))
        pq.write_table(table, file)


def build_report_lake(root: Path) -> Path:
    from sandbox.direct_lake import write_market_lake
    from transformations.runner import run_transformations

    data_dir = root / "radar"
    write_market_lake(data_dir, DAYS, start=START, scale=0.2, incomplete={BROKEN: 0.4})
    for day in PRICE_ZERO_DAYS:
        _zero_prices(data_dir, "vsp", day)
    run_transformations(settings_for(data_dir))
    return data_dir


@pytest.fixture(scope="module")
def report_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built lake and warehouse (shared by every module that imports this fixture: built once)."""
    if "dir" not in _BUILT:
        _BUILT["dir"] = build_report_lake(tmp_path_factory.mktemp("report-lake"))
    return _BUILT["dir"]
