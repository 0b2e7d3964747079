"""Devices in the database, always within one account."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from neurogate.server.errors import DeviceNotFound, not_found
from neurogate.server.ids import new_id
from neurogate.server.names import checked_name
from neurogate.server.storage.database import Database
from neurogate.server.storage.models import Device

DEFAULT_DEVICE_NAME = "Synthetic board"


def default_device(account_id: str) -> Device:
    """The synthetic board every account starts with."""
    return Device(
        id=new_id("dev"), account_id=account_id, name=DEFAULT_DEVICE_NAME, type="synthetic"
    )


def device_name(name: str, device_type: str) -> str:
    """The requested name, checked; the type's when none is given."""
    return checked_name(name, "name", "a device name") or device_type.replace("_", " ")


class DeviceStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def list(self, account_id: str) -> list[Device]:
        return await self._db.run(
            lambda session: list(
                session.exec(
                    select(Device)
                    .where(Device.account_id == account_id)
                    .order_by(col(Device.created_at), col(Device.id))
                ).all()
            )
        )

    async def get(self, account_id: str, device_id: str) -> Device:
        device = await self._db.run(lambda session: session.get(Device, device_id))
        if device is None or device.account_id != account_id:
            raise not_found(DeviceNotFound, "device", device_id)
        return device

    async def add(
        self, account_id: str, name: str, device_type: str, params: dict[str, Any]
    ) -> Device:
        device = Device(
            id=new_id("dev"),
            account_id=account_id,
            name=device_name(name, device_type),
            type=device_type,
            params=params,
        )
        await self._db.run(lambda session: session.add(device))
        return device

    async def save_config(self, account_id: str, device_id: str, config: dict[str, Any]) -> None:
        def update(session: Session) -> None:
            device = session.get(Device, device_id)
            if device is None or device.account_id != account_id:
                raise not_found(DeviceNotFound, "device", device_id)
            device.config = config

        await self._db.run(update)

    async def delete(self, account_id: str, device_id: str) -> None:
        def remove(session: Session) -> None:
            device = session.get(Device, device_id)
            if device is None or device.account_id != account_id:
                raise not_found(DeviceNotFound, "device", device_id)
            session.delete(device)

        await self._db.run(remove)
