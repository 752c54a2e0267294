"""A marketplace that keeps moving while it is crawled (docs/sandbox-market.md, "The moving market").

`MovingDay` starts from the end-of-day state a crawl of `day` should see and applies the next
day's events (`Market.intraday_events(m, day + 1)`) one by one as a virtual clock runs: the
server advances the clock by `seconds_per_request` for every request the marketplace answers.
Events are applied to the served order in place (a bisect per event, never a re-sort), and
each batch makes a new list, so a request that already holds the previous list keeps a
consistent page. `version` counts the batches: replicas cache what they derive from the
states by `(day, version)`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sandbox.model import ListingState


def _order_key(state: ListingState) -> tuple[float, int]:
    """Ascending key of the served order: newest published_at first, ties by higher id first."""
    return (-state.listing.published_at.timestamp(), -state.listing.listing_id)


@dataclass(frozen=True)
class ServedEvent:
    """An event of day + 1 that a crawl of `day` met (the truth keeps its real day)."""

    marketplace: str
    crawl_day: date
    event_day: date
    listing_id: int
    kind: str
    at_seconds: float


class MovingDay:
    """One marketplace's served state during the crawl of `day` (not thread-safe: the server locks)."""

    def __init__(self, marketplace: str, day: date, states: Sequence[ListingState], events: Sequence) -> None:
        self.marketplace = marketplace
        self.day = day
        self.states: list[ListingState] = sorted(states, key=_order_key)  # already in order: linear
        self._keys = [_order_key(s) for s in self.states]
        self._key_of = {s.listing.listing_id: k for s, k in zip(self.states, self._keys)}
        self._events = list(events)
        self._next = 0
        self.version = 0
        self.clock = 0.0  # virtual seconds since the crawl of `day` began (the next day's midnight)
        self.applied: list[ServedEvent] = []
        self.counts: Counter[str] = Counter()

    @property
    def pending(self) -> int:
        return len(self._events) - self._next

    def advance(self, seconds: float) -> bool:
        """Run the clock `seconds` further; apply the events due. True if the state changed."""
        self.clock += seconds
        due = self._next
        while due < len(self._events) and self._events[due].at_seconds <= self.clock:
            due += 1
        if due == self._next:
            return False
        states, keys = list(self.states), list(self._keys)  # copy on write: served pages stay whole
        for event in self._events[self._next : due]:
            self._apply(event, states, keys)
        self._next = due
        self.states, self._keys = states, keys
        self.version += 1
        return True

    def _apply(self, event, states: list[ListingState], keys: list[tuple[float, int]]) -> None:
        if event.state is None:  # gone: its key is the one it was served under (published_at never changes)
            key = self._key_of[event.listing_id]
            position = bisect_left(keys, key)
            if position == len(keys) or keys[position] != key:
                raise KeyError(f"{self.marketplace}: {event.kind} event for listing {event.listing_id}, which is not served")
            del states[position], keys[position]
        else:
            key = self._key_of[event.listing_id] = _order_key(event.state)
            position = bisect_left(keys, key)
            if position < len(keys) and keys[position] == key:
                states[position] = event.state  # repriced, or sold and shown unavailable
            else:
                states.insert(position, event.state)  # published, relisted
                keys.insert(position, key)
        self.counts[event.kind] += 1
        self.applied.append(
            ServedEvent(self.marketplace, self.day, self.day + timedelta(days=1), event.listing_id, event.kind,
                        event.at_seconds)
        )
