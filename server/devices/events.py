"""Status events of a device (state changes, markers, impedance results,
dropped data, a lost board), pushed to whoever listens: the Control streams.
Each listener has a bounded queue; a listener that does not keep up loses
its oldest events, never blocking the device."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

MAX_QUEUED_EVENTS = 256


@dataclass(frozen=True)
class StatusEvent:
    device_id: str
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    timestamp: float = field(default_factory=time.time)


class EventListener:
    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self._events: deque[StatusEvent] = deque(maxlen=MAX_QUEUED_EVENTS)
        self._ready = asyncio.Event()

    def _put(self, event: StatusEvent) -> None:
        self._events.append(event)
        self._ready.set()

    async def get(self) -> StatusEvent:
        while not self._events:
            self._ready.clear()
            await self._ready.wait()
        return self._events.popleft()

    def close(self) -> None:
        self._bus._listeners.discard(self)


class EventBus:
    def __init__(self) -> None:
        self._listeners: set[EventListener] = set()

    def listen(self) -> EventListener:
        listener = EventListener(self)
        self._listeners.add(listener)
        return listener

    def emit(self, event: StatusEvent) -> None:
        for listener in list(self._listeners):
            listener._put(event)
