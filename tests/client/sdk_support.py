"""Helpers the SDK's tests share (a module, not a conftest: tests/ has one
``conftest`` module name, and test modules import it by that name)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd

from conftest import Stack
from neurogate.client import AsyncClient, Client
from neurogate.server.auth.accounts import NewAccount
from neurogate.server.auth.tiers import Tier


async def new_account(stack: Stack, tier: Tier = Tier.PRO) -> NewAccount:
    return await stack.accounts.create_account("sdk", tier)


@contextmanager
def client_for(target: str, account: NewAccount, **options: object) -> Iterator[Client]:
    """A sync client with the account's client credentials, progress bars off."""
    options = {"progress": False, **options}
    with Client(
        client_id=account.client_id,
        client_secret=account.client_secret,
        target=target,
        **options,  # type: ignore[arg-type]
    ) as client:
        yield client


def async_client_for(target: str, account: NewAccount, **options: object) -> AsyncClient:
    options = {"progress": False, **options}
    return AsyncClient(
        client_id=account.client_id,
        client_secret=account.client_secret,
        target=target,
        **options,  # type: ignore[arg-type]
    )


def measurements(rows: int = 60) -> pd.DataFrame:
    """A small table: a numeric measurement, a group and a second measurement."""
    return pd.DataFrame(
        {
            "value": [10.0 + (i % 7) * 0.5 + (i % 2) * 2 for i in range(rows)],
            "group": ["a" if i % 2 else "b" for i in range(rows)],
            "other": [float(i) for i in range(rows)],
        }
    )
