"""The events webhooks may subscribe to, named in one place."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from neurogate.server.errors import InvalidParameter

#: An analysis finished: a control chart, a forecast, or a model's training.
ANALYSIS_COMPLETE = "analysis.complete"
#: A control chart found points out of control.
SPC_OUT_OF_CONTROL = "spc.out_of_control"

EVENTS: tuple[str, ...] = (ANALYSIS_COMPLETE, SPC_OUT_OF_CONTROL)


def check_event(event: str, parameter: str = "event") -> str:
    if event not in EVENTS:
        raise InvalidParameter(
            f"unknown event {event!r}",
            parameter=parameter,
            value=event,
            valid_choices=list(EVENTS),
        )
    return event


def check_events(events: Iterable[str]) -> list[str]:
    """The subscribed events, each known, without repeats, in the caller's order."""
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise InvalidParameter(
            "events is empty: name at least one event",
            parameter="events",
            valid_choices=list(EVENTS),
        )
    return [check_event(event, "events") for event in chosen]


def analysis_data(
    analysis_id: str, type_: str, alerts: Sequence[dict[str, Any]] = (), **extra: Any
) -> dict[str, Any]:
    """The ``data`` of an event about a finished analysis (the documented
    payload): its id, what it was, ``status: complete``, its alerts, and any
    ``extra`` fields that say what it was about."""
    return {
        "analysis_id": analysis_id,
        "type": type_,
        "status": "complete",
        "alerts": list(alerts),
        **extra,
    }
