"""Event names: known ones kept in order without repeats, unknown or none
refused with the valid choices."""

from __future__ import annotations

import pytest

from neurogate.server.errors import InvalidParameter
from neurogate.server.webhooks.events import EVENTS, check_event, check_events


def test_known_events_are_kept_in_order_without_repeats():
    chosen = ["spc.out_of_control", "analysis.complete", "spc.out_of_control"]

    assert check_events(chosen) == ["spc.out_of_control", "analysis.complete"]


@pytest.mark.parametrize("events", [[], ["analysis.complete", "analysis.started"]])
def test_no_events_or_an_unknown_one_is_refused_with_the_choices(events):
    with pytest.raises(InvalidParameter) as raised:
        check_events(events)

    assert raised.value.details["parameter"] == "events"
    assert raised.value.details["valid_choices"] == list(EVENTS)


def test_publishing_an_unknown_event_is_refused():
    with pytest.raises(InvalidParameter) as raised:
        check_event("analysis.done")

    assert raised.value.details["value"] == "analysis.done"
