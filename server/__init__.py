"""The NeuroGate server: a grpc.aio server implementing ``proto/neurogate/v1``.

Run it with ``neurogate serve`` (or ``neurogate run`` for the server and Envoy
together); embed it with :func:`serve` and a :class:`Settings`.
"""

from neurogate.server.app import serve
from neurogate.server.settings import Settings

__all__ = ["Settings", "serve"]
