"""The NeuroGate server: a grpc.aio server implementing ``proto/neurogate/v1``.

Run it with ``neurogate serve`` (or ``neurogate run`` for the server and Envoy
together); embed it with :func:`serve` and a :class:`Settings`.

Both names are imported on first use: the ``neurogate`` command's client
commands live in the same program and should not pay for loading the server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from neurogate.server.app import serve
    from neurogate.server.settings import Settings

__all__ = ["Settings", "serve"]


def __getattr__(name: str) -> Any:
    if name == "serve":
        from neurogate.server.app import serve

        return serve
    if name == "Settings":
        from neurogate.server.settings import Settings

        return Settings
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
