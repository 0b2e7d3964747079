"""The demo account ``make run`` creates on first start, so a newcomer can
call the API at once, with its synthetic board streaming. Its credentials
are kept in the data dir (mode 0600) because a client secret cannot be shown
again once only its hash is stored."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from neurogate.server.auth.accounts import AccountAdmin, NewAccount
from neurogate.server.auth.tiers import Tier
from neurogate.server.devices.manager import DeviceManager

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


async def start_demo_board(devices: DeviceManager, account: NewAccount) -> str:
    """Starts the demo account's synthetic board streaming; returns its id."""
    listed = await devices.list(account.account_id)
    synthetic = next(device for device, _ in listed if device.type == "synthetic")
    controller = await devices.controller(account.account_id, synthetic.id)
    await controller.start(controller.config)
    return synthetic.id


def banner(account: NewAccount, device_id: str, grpc_target: str, rest_url: str) -> str:
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
            f"The demo's synthetic BrainFlow board ({device_id}) is streaming; watch it:",
            f"  TOKEN=$(curl -s -X POST {rest_url}/v1/auth/token -d '{body}' \\",
            "          | python3 -c "
            "'import json, sys; print(json.load(sys.stdin)[\"access_token\"])')",
            f'  curl -sN -H "Authorization: Bearer $TOKEN" '
            f"'{rest_url}/v1/devices/{device_id}/stream?block_size=25&channels=1'",
            "",
            "Stop with Ctrl-C.",
            "",
        ]
    )
