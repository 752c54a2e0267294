from datetime import date

from cli.demo import broken_snapshots

SITES = ["rebag", "vsp", "fashionphile", "dct", "treasures", "madison"]


def test_broken_snapshots_are_spread_over_the_run_and_cycle_through_sites():
    broken = broken_snapshots(date(2026, 9, 1), 60, SITES, 3)
    assert list(broken.values()) == ["rebag", "vsp", "fashionphile"]
    days = sorted(broken)
    assert days[0] > date(2026, 9, 2) and days[-1] < date(2026, 10, 29)  # complete days around each
    assert len(set(days)) == 3


def test_short_runs_and_zero_break_nothing():
    assert broken_snapshots(date(2026, 9, 1), 5, SITES, 3) == {}
    assert broken_snapshots(date(2026, 9, 1), 60, SITES, 0) == {}
