"""``neurogate admin``: operator commands that act on the database directly
(the same ``NEUROGATE_DATABASE_URL`` the server uses). Machine-readable
output with ``--json`` goes to stdout alone; everything else to stderr."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any, TypeVar

import click

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.tiers import Tier, parse_tier
from neurogate.server.errors import NeuroGateError
from neurogate.server.settings import Settings
from neurogate.server.storage.database import Database

T = TypeVar("T")


def _run(action: Callable[[AccountAdmin], Awaitable[T]]) -> T:
    async def main() -> T:
        db = Database(Settings.from_env().resolved_database_url)
        try:
            await db.migrate()
            return await action(AccountAdmin(db))
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except NeuroGateError as error:
        raise click.ClickException(error.message) from None


def _tier(_ctx: click.Context, _param: click.Parameter, value: str) -> Tier:
    try:
        return parse_tier(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, default=str) if as_json else text)


@click.group()
def admin() -> None:
    """Manage accounts, users and keys."""


@admin.command("create-account")
@click.option("--name", required=True, help="Account name.")
@click.option(
    "--tier", default="pro", show_default=True, callback=_tier, help="free, pro or enterprise."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
def create_account(name: str, tier: Tier, as_json: bool) -> None:
    """Creates an account and its first OAuth client (the secret is shown once)."""
    created = _run(lambda accounts: accounts.create_account(name, tier))
    _emit(
        asdict(created),
        as_json,
        f"account {created.account_id} ({tier.value})\n"
        f"client_id     {created.client_id}\nclient_secret {created.client_secret}\n"
        "Keep the secret: it cannot be shown again.",
    )


@admin.command("list-accounts")
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
def list_accounts(as_json: bool) -> None:
    """Lists accounts with their tier and credential counts."""
    accounts = _run(lambda admin: admin.list_accounts())
    rows = [asdict(a) for a in accounts]
    lines = [
        f"{a.account_id}  {a.tier:<10}  {a.name}  (clients {a.clients}, users {a.users}, "
        f"api keys {a.api_keys})"
        for a in accounts
    ]
    _emit(rows, as_json, "\n".join(lines) or "no accounts")


@admin.command("set-tier")
@click.argument("account_id")
@click.argument("tier", callback=_tier)
def set_tier(account_id: str, tier: Tier) -> None:
    """Changes an account's tier; it applies to the account's next call."""
    _run(lambda accounts: accounts.set_tier(account_id, tier))
    click.echo(f"{account_id} is now {tier.value}", err=True)


@admin.command("create-user")
@click.option("--account", "account_id", required=True, help="Account id (acc_...).")
@click.option("--email", required=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 12 characters; prompted when omitted.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON only.")
def create_user(account_id: str, email: str, password: str, as_json: bool) -> None:
    """Creates a user who can log in with email and password (POST /v2/auth/login)."""
    user_id = _run(lambda accounts: accounts.create_user(account_id, email, password))
    _emit({"user_id": user_id, "account_id": account_id}, as_json, f"user {user_id}")


@admin.command("revoke-key")
@click.argument("key_id")
def revoke_key(key_id: str) -> None:
    """Revokes an API key; calls carrying it fail from the next call on."""
    key = _run(lambda accounts: accounts.revoke_api_key(key_id))
    click.echo(f"{key.id} revoked at {key.revoked_at:%Y-%m-%dT%H:%M:%SZ}", err=True)
