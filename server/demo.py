"""The demo account ``make run`` creates on first start, so a newcomer can
call the API at once. Its credentials are kept in the data dir (mode 0600)
because a client secret cannot be shown again once only its hash is stored."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from neurogate.server.auth.accounts import AccountAdmin, NewAccount
from neurogate.server.auth.tiers import Tier

CREDENTIALS_FILE = "demo_credentials.json"
DEMO_NAME = "demo"


async def demo_account(accounts: AccountAdmin, data_dir: Path) -> NewAccount:
    """The demo account's credentials, creating the account on first start."""
    path = data_dir / CREDENTIALS_FILE
    if path.exists():
        return NewAccount(**json.loads(path.read_text()))
    created = await accounts.create_account(DEMO_NAME, Tier.PRO)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(asdict(created), handle)
    return created


def banner(account: NewAccount, grpc_target: str, rest_url: str) -> str:
    body = json.dumps(
        {
            "client_id": account.client_id,
            "client_secret": account.client_secret,
            "grant_type": "client_credentials",
        }
    )
    return "\n".join(
        [
            "",
            "NeuroGate is running.",
            f"  gRPC  {grpc_target}   (health, reflection: grpcurl -plaintext {grpc_target} list)",
            f"  REST  {rest_url}   (through Envoy)",
            "",
            "Demo account (tier pro). In another terminal:",
            f"  export NEUROGATE_CLIENT_ID={account.client_id}",
            f"  export NEUROGATE_CLIENT_SECRET={account.client_secret}",
            "",
            "Get a token:",
            f"  curl -s -X POST {rest_url}/v1/auth/token -H 'content-type: application/json' \\",
            f"       -d '{body}'",
            "",
            "Stop with Ctrl-C.",
            "",
        ]
    )
