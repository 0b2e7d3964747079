"""OAuth scopes. Each RPC names the scope it needs in its proto options
(``option (neurogate.v1.access).scope``); tokens carry a subset of these."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "data.read": "list and read datasets",
    "data.write": "upload, create and delete datasets",
    "analytics.read": "run statistics, analytics, SPC and signal processing",
    "models.read": "list models and predict with them",
    "models.write": "train and delete models",
    "devices.read": "list devices and read their status",
    "devices.write": "register, connect, configure and stream devices",
    "streams.read": "subscribe to live streams and stream metrics",
    "streams.write": "create real-time analytics streams",
    "sessions.read": "read recording sessions",
    "sessions.write": "record sessions and ingest neural data",
    "webhooks.read": "list webhooks and their deliveries",
    "webhooks.write": "create and delete webhooks",
    "apikeys.read": "list the account's API keys",
    "apikeys.write": "revoke API keys",
}

ALL_SCOPES: frozenset[str] = frozenset(SCOPES)


def unknown_scopes(requested: list[str]) -> list[str]:
    return sorted({scope for scope in requested if scope not in ALL_SCOPES})
