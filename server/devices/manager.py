"""The devices of every account and their controllers.

Controllers live in this process, one per device, created on first use; the
device rows (type, parameters, saved stream configuration) live in the
database. A playback device reads a BrainFlow file the account may name
(:mod:`~neurogate.server.devices.playback_library`), or replays one of the
account's recordings, exported as a BrainFlow file
(:mod:`~neurogate.server.devices.replays`) when it connects.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from neurogate.server.devices import boards
from neurogate.server.devices.acquisition import Acquisition
from neurogate.server.devices.config import StreamConfig, stored_config
from neurogate.server.devices.controller import DeviceController, DeviceInfo, DeviceState
from neurogate.server.devices.events import EventBus
from neurogate.server.devices.playback_library import PlaybackLibrary
from neurogate.server.devices.replays import ReplayFiles
from neurogate.server.devices.store import DeviceStore
from neurogate.server.errors import DeviceBusy, InvalidParameter, SessionNotFound, not_found
from neurogate.server.storage.models import Device
from neurogate.server.streaming.hub import DEFAULT_BACKLOG, BacklogPolicy, StreamEnd

#: (account id, session id, path) -> writes that recording as a BrainFlow file.
RecordingFile = Callable[[str, str, Path], Awaitable[Path]]


class DeviceManager:
    def __init__(
        self,
        store: DeviceStore,
        playback_dir: Path,
        backlog: BacklogPolicy = DEFAULT_BACKLOG,
        *,
        data_dir: Path,
    ) -> None:
        self.store = store
        self.replays = ReplayFiles(data_dir)
        self.playback = PlaybackLibrary(playback_dir, data_dir, self.replays.root)
        self._backlog = backlog
        self._acquisition = Acquisition()
        self._controllers: dict[str, DeviceController] = {}
        self.events = EventBus()
        # Wired to the session manager, which itself needs devices.
        self.recording_file: RecordingFile | None = None
        self.is_recording: Callable[[str], bool] = lambda _device_id: False

    async def register(
        self, account_id: str, name: str, device_type: str, params: dict[str, Any]
    ) -> Device:
        checked = boards.check_params(device_type, params)
        if "file" in checked:
            self.playback.resolve(account_id, checked["file"])
        if "session_id" in checked:
            await self._replay_file(account_id, checked["session_id"])
        return await self.store.add(account_id, name, device_type, checked)

    def _controller_for(self, device: Device) -> DeviceController:
        controller = self._controllers.get(device.id)
        if controller is None:
            layout = boards.layout(device.type, device.params)
            controller = DeviceController(
                DeviceInfo(
                    device.id, device.account_id, device.name, device.type, dict(device.params)
                ),
                layout,
                stored_config(layout, device.config),
                self.events,
                playback_file=self._playback_source(device),
                backlog=self._backlog,
                acquisition=self._acquisition,
            )
            self._controllers[device.id] = controller
        return controller

    async def _replay_file(self, account_id: str, session_id: str) -> Path:
        if self.recording_file is None:
            raise InvalidParameter(
                "replaying recordings is not available", parameter="params.session_id"
            )
        path = self.replays.path(account_id, session_id)
        return await self.recording_file(account_id, session_id, path)

    def _playback_source(self, device: Device) -> Callable[[], Path] | None:
        """What the board plays, found again whenever it connects."""
        if device.type != "playback_file":
            return None
        if "file" in device.params:
            file = device.params["file"]
            return lambda: self.playback.resolve(device.account_id, file)
        return lambda: self._exported_replay(device.account_id, device.params["session_id"])

    def _exported_replay(self, account_id: str, session_id: str) -> Path:
        path = self.replays.path(account_id, session_id)
        if not path.is_file():  # its session was deleted since
            raise not_found(SessionNotFound, "session", session_id)
        return path

    async def controller(self, account_id: str, device_id: str) -> DeviceController:
        device = await self.store.get(account_id, device_id)
        controller = self._controller_for(device)
        replays = device.type == "playback_file" and "session_id" in device.params
        if replays and controller.state is DeviceState.DISCONNECTED:
            # A replay of a deleted session stays visible; connecting it says
            # the session is gone.
            with contextlib.suppress(SessionNotFound):
                await self._replay_file(account_id, device.params["session_id"])
        return controller

    async def list(self, account_id: str) -> list[tuple[Device, DeviceState]]:
        devices = await self.store.list(account_id)
        return [
            (
                device,
                self._controllers[device.id].state
                if device.id in self._controllers
                else DeviceState.DISCONNECTED,
            )
            for device in devices
        ]

    async def start_stream(self, controller: DeviceController, config: StreamConfig) -> None:
        """Starts the device streaming with ``config``, kept as its configuration."""
        await controller.start(config)
        await self._store_config(controller, config)

    async def save_config(self, controller: DeviceController, config: StreamConfig) -> None:
        """Applies ``config`` (see DeviceController.reconfigure) and keeps it."""
        await controller.reconfigure(config)
        await self._store_config(controller, config)

    async def _store_config(self, controller: DeviceController, config: StreamConfig) -> None:
        await self.store.save_config(
            controller.info.account_id, controller.info.device_id, config.to_dict()
        )

    async def delete(self, account_id: str, device_id: str) -> None:
        device = await self.store.get(account_id, device_id)
        if self.is_recording(device_id):
            raise DeviceBusy(
                "a session is recording this device; stop it first", device_id=device_id
            )
        controller = self._controllers.pop(device_id, None)
        if controller is not None:
            await controller.close(StreamEnd("device_deleted", "OK", "the device was deleted"))
        await self.store.delete(account_id, device_id)
        session_id = device.params.get("session_id") if device.type == "playback_file" else None
        if session_id and not await self._replayed(account_id, session_id):
            self.replays.discard(account_id, session_id)

    async def _replayed(self, account_id: str, session_id: str) -> bool:
        """Whether a device of the account still replays the session."""
        devices = await self.store.list(account_id)
        return any(device.params.get("session_id") == session_id for device in devices)

    async def close(self) -> None:
        """Ends every stream (reason server_shutdown) and releases every board."""
        end = StreamEnd("server_shutdown", "UNAVAILABLE", "the server is shutting down")
        for controller in list(self._controllers.values()):
            await controller.close(end)
        self._controllers.clear()
