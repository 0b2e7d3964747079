"""Device names on SQLite and PostgreSQL: a refused name stores nothing
(PostgreSQL cannot hold a NUL at all), an ordinary one reads back as given."""

from __future__ import annotations

import pytest

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.tiers import Tier
from neurogate.server.devices.store import DeviceStore
from neurogate.server.errors import InvalidParameter


@pytest.mark.parametrize(
    "name",
    ["a\x00b", "red\x1b[31m", "two\r\nlines", "rtl\u202egnp.exe", "iso\u2066late"],
    ids=["nul", "ansi", "crlf", "rtl-override", "isolate"],
)
async def test_a_device_name_with_control_or_bidi_characters_is_refused_and_stores_nothing(
    db, name
):
    account_id = (await AccountAdmin(db).create_account("Lab", Tier.PRO)).account_id
    store = DeviceStore(db)
    before = await store.list(account_id)

    with pytest.raises(InvalidParameter) as raised:
        await store.add(account_id, name, "synthetic", {})

    assert raised.value.details["parameter"] == "name"
    assert [d.id for d in await store.list(account_id)] == [d.id for d in before]


async def test_an_ordinary_unicode_device_name_is_stored_as_given(db):
    account_id = (await AccountAdmin(db).create_account("Lab", Tier.PRO)).account_id
    store = DeviceStore(db)

    added = await store.add(account_id, "  Kappe 脑电 👩\u200d🔬 ", "synthetic", {})

    assert (await store.get(account_id, added.id)).name == "Kappe 脑电 👩\u200d🔬"
