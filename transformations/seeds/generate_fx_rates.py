"""Write fx_rates_usd.csv: one row per calendar day and currency, 2025-01-01..2027-12-31.

The sandbox has no FX feed, so the table is a deterministic stand-in: a seeded,
mean-reverting daily random walk around a realistic level per currency (CAD about
1.35-1.40 per USD). Weekends and holidays carry a value too, so a join on any
snapshot_date finds a rate. Replace the CSV with a real feed (e.g. the ECB or Bank of
Canada daily series) without changing its columns:

    rate_date       the calendar day
    currency        ISO 4217 code
    units_per_usd   units of `currency` for 1 USD
    usd_per_unit    USD for 1 unit of `currency` (multiply a local price by this)

Run: python transformations/seeds/generate_fx_rates.py
"""

from __future__ import annotations

import csv
import math
import random
from datetime import date, timedelta
from pathlib import Path

START = date(2025, 1, 1)
END = date(2027, 12, 31)
# currency: (mean units per USD, lower bound, upper bound, daily volatility)
LEVELS = {
    "CAD": (1.375, 1.35, 1.40, 0.0025),
    "EUR": (0.92, 0.88, 0.96, 0.003),
    "GBP": (0.79, 0.76, 0.82, 0.003),
    "JPY": (150.0, 142.0, 158.0, 0.004),
    "AUD": (1.52, 1.47, 1.57, 0.003),
    "CHF": (0.88, 0.85, 0.91, 0.003),
}
SEED = 20250101


def rates() -> list[tuple[date, str, float]]:
    rng = random.Random(SEED)
    out: list[tuple[date, str, float]] = []
    level = {code: mean for code, (mean, *_rest) in LEVELS.items()}
    day = START
    while day <= END:
        out.append((day, "USD", 1.0))
        for code, (mean, low, high, vol) in LEVELS.items():
            drift = 0.05 * (mean - level[code])  # pull back towards the mean
            level[code] = min(high, max(low, level[code] * math.exp(rng.gauss(0.0, vol)) + drift))
            out.append((day, code, level[code]))
        day += timedelta(days=1)
    return out


def main() -> None:
    path = Path(__file__).with_name("fx_rates_usd.csv")
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["rate_date", "currency", "units_per_usd", "usd_per_unit"])
        for day, code, units in rates():
            digits = 4 if code == "JPY" else 6
            writer.writerow([day.isoformat(), code, round(units, digits), round(1.0 / units, 8)])


if __name__ == "__main__":
    main()
