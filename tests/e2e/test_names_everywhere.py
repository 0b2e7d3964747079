"""Every name a REST caller gives follows one rule, on SQLite and on
PostgreSQL (which cannot store a NUL at all): a NUL, a line break, an ANSI
escape or a bidi override is INVALID_PARAMETER naming the parameter, and
nothing is stored."""

from __future__ import annotations

from pathlib import Path

import httpx

from conftest import assert_envelope, issue_token, start_stack, stop_stack
from neurogate.server.auth.tiers import Tier

BAD_NAMES = {"nul": "a\x00b", "crlf": "a\r\nb", "ansi": "a\x1b[31mb", "rtl": "a\u202eb"}


async def test_names_with_control_or_bidi_characters_are_refused_and_store_nothing(
    tmp_path: Path, database_url: str
):
    stack = await start_stack(tmp_path / "data", NEUROGATE_DATABASE_URL=database_url)
    try:
        account = await stack.accounts.create_account("names", Tier.PRO)
        headers = {"authorization": f"Bearer {await issue_token(stack.rest_url, account)}"}
        async with httpx.AsyncClient(base_url=stack.rest_url, timeout=30) as rest:
            devices = (await rest.get("/v1/devices", headers=headers)).json()["devices"]
            board = devices[0]["device_id"]
            for bad in BAD_NAMES.values():
                await refused_everywhere(rest, headers, board, bad)
            after = (await rest.get("/v1/devices", headers=headers)).json()["devices"]
            sessions = (await rest.get("/v1/sessions", headers=headers)).json()
            datasets = (await rest.get("/v1/datasets", headers=headers)).json()
        assert after == devices
        assert sessions.get("sessions", []) == []
        assert datasets.get("datasets", []) == []
    finally:
        await stop_stack(stack)


async def refused_everywhere(
    rest: httpx.AsyncClient, headers: dict[str, str], board: str, bad: str
) -> None:
    attempts = {
        "name": await rest.post(
            "/v1/devices", headers=headers, json={"name": bad, "type": "synthetic"}
        ),
        "experiment_type": await rest.post(
            "/v1/sessions",
            headers=headers,
            json={"device_id": board, "experiment_type": bad},
        ),
        "tags": await rest.post(
            "/v1/sessions", headers=headers, json={"device_id": board, "tags": [bad]}
        ),
        "dataset name": await rest.post(
            "/v1/datasets", headers=headers, json={"name": bad, "type": "eeg"}
        ),
    }
    for what, reply in attempts.items():
        error = assert_envelope(reply, 400, "INVALID_PARAMETER")
        assert error["details"]["parameter"] == what.removeprefix("dataset "), what
