"""The devices of every account and their controllers.

Controllers live in this process, one per device, created on first use; the
device rows (type, parameters, saved stream configuration) live in the
database. A playback device reads a BrainFlow file from the playback
directory, or replays one of the account's recordings (exported as a
BrainFlow file when it connects).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from neurogate.server.devices import boards
from neurogate.server.devices.acquisition import Acquisition
from neurogate.server.devices.config import StreamConfig, stored_config
from neurogate.server.devices.controller import DeviceController, DeviceInfo, DeviceState
from neurogate.server.devices.events import EventBus
from neurogate.server.devices.store import DeviceStore
from neurogate.server.errors import DeviceBusy, InvalidParameter
from neurogate.server.storage.models import Device
from neurogate.server.streaming.hub import DEFAULT_BACKLOG, BacklogPolicy, StreamEnd

#: (account id, session id, path) -> writes that recording as a BrainFlow file.
RecordingFile = Callable[[str, str, Path], Awaitable[Path]]


class DeviceManager:
    def __init__(
        self, store: DeviceStore, playback_dir: Path, backlog: BacklogPolicy = DEFAULT_BACKLOG
    ) -> None:
        self.store = store
        self.playback_dir = playback_dir
        self._backlog = backlog
        self._acquisition = Acquisition()
        self._controllers: dict[str, DeviceController] = {}
        self.events = EventBus()
        # Wired to the session manager, which itself needs devices.
        self.recording_file: RecordingFile | None = None
        self.is_recording: Callable[[str], bool] = lambda _device_id: False

    def _playback_path(self, file: str) -> Path:
        root = self.playback_dir.resolve()
        path = (root / file).resolve()
        if root not in path.parents:
            raise InvalidParameter(
                "file must name a file in the playback directory",
                parameter="params.file",
                value=file,
                playback_dir=str(root),
            )
        if not path.is_file():
            raise InvalidParameter(
                f"there is no playback file {file!r}",
                parameter="params.file",
                value=file,
                playback_dir=str(root),
            )
        return path

    async def register(
        self, account_id: str, name: str, device_type: str, params: dict[str, Any]
    ) -> Device:
        checked = boards.check_params(device_type, params)
        if "file" in checked:
            self._playback_path(checked["file"])
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

    def _replay_path(self, session_id: str) -> Path:
        return self.playback_dir / ".recordings" / f"{session_id}.tsv"

    async def _replay_file(self, account_id: str, session_id: str) -> Path:
        if self.recording_file is None:
            raise InvalidParameter(
                "replaying recordings is not available", parameter="params.session_id"
            )
        return await self.recording_file(account_id, session_id, self._replay_path(session_id))

    def _playback_source(self, device: Device) -> Callable[[], Path] | None:
        if device.type != "playback_file":
            return None
        if "file" in device.params:
            file = device.params["file"]
            return lambda: self._playback_path(file)
        return lambda: self._replay_path(device.params["session_id"])

    async def controller(self, account_id: str, device_id: str) -> DeviceController:
        device = await self.store.get(account_id, device_id)
        controller = self._controller_for(device)
        replays = device.type == "playback_file" and "session_id" in device.params
        if replays and controller.state is DeviceState.DISCONNECTED:
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
        await self.store.get(account_id, device_id)
        if self.is_recording(device_id):
            raise DeviceBusy(
                "a session is recording this device; stop it first", device_id=device_id
            )
        controller = self._controllers.pop(device_id, None)
        if controller is not None:
            await controller.close(StreamEnd("device_deleted", "OK", "the device was deleted"))
        await self.store.delete(account_id, device_id)

    async def close(self) -> None:
        """Ends every stream (reason server_shutdown) and releases every board."""
        end = StreamEnd("server_shutdown", "UNAVAILABLE", "the server is shutting down")
        for controller in list(self._controllers.values()):
            await controller.close(end)
        self._controllers.clear()
