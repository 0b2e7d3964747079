"""Puts every NeuroGate service on the server.

Services a later release implements are registered with their generated
base class, whose methods raise ``NotImplementedError``: callers get
UNIMPLEMENTED (HTTP 501) in the documented envelope instead of an unknown
route, and health checking lists the whole API.
"""

from __future__ import annotations

import grpc

from neurogate.server.api import SERVICE_MODULES


def register_services(server: grpc.aio.Server, implemented: dict[str, object]) -> list[str]:
    """Adds each service (``implemented`` maps full names to servicers); returns
    the full names of all services added."""
    names = []
    for messages, stubs in SERVICE_MODULES:
        for service in messages.DESCRIPTOR.services_by_name.values():
            servicer = implemented.get(service.full_name)
            if servicer is None:
                servicer = getattr(stubs, f"{service.name}Servicer")()
            getattr(stubs, f"add_{service.name}Servicer_to_server")(servicer, server)
            names.append(service.full_name)
    unknown = set(implemented) - set(names)
    if unknown:
        raise ValueError(f"servicers for services the protos do not declare: {sorted(unknown)}")
    return names
