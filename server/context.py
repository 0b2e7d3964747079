"""The state of one RPC, shared by the interceptors and the servicer.

The request-id interceptor opens a :class:`CallContext` for every call and
keeps it in a context variable; the authentication and tenancy interceptors
fill in who is calling; the servicer reads the account it must act for with
:func:`current_account`. Response headers gathered here are sent as initial
metadata on success and as trailing metadata on error, so REST clients see
them through Envoy either way.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from neurogate.server.auth.principal import Principal
from neurogate.server.auth.tokens import TokenClaims


@dataclass
class CallContext:
    method: str
    request_id: str
    started: float = field(default_factory=time.perf_counter)
    response_headers: dict[str, str] = field(default_factory=dict)
    #: Verified token claims (authentication), then the live principal (tenancy).
    claims: TokenClaims | None = None
    principal: Principal | None = None
    #: Final gRPC status name and NeuroGate error code, for the access log.
    status: str = "OK"
    error_code: str = ""

    @property
    def service_method(self) -> str:
        """``DataService.ListDatasets`` for ``/neurogate.v1.DataService/ListDatasets``."""
        service, _, name = self.method.rpartition("/")
        return f"{service.rsplit('.', 1)[-1]}.{name}"


_current: ContextVar[CallContext] = ContextVar("neurogate_call")


def open_call(call: CallContext) -> None:
    _current.set(call)


def current_call() -> CallContext:
    return _current.get()


def current_principal() -> Principal:
    """The authenticated caller; only methods that take a bearer token may ask."""
    principal = _current.get().principal
    if principal is None:
        raise RuntimeError("current_principal() called on a method without authentication")
    return principal


def current_account() -> str:
    """The account id every resource of this call belongs to."""
    return current_principal().account_id


def calling_account() -> str | None:
    """The account of the call in progress; None outside a call or on a
    method without authentication (what the compute pool queues work by)."""
    call = _current.get(None)
    principal = call.principal if call is not None else None
    return principal.account_id if principal is not None else None
