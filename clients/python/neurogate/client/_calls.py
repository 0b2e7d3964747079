"""Call plans: what a namespace method asks the transport to do.

Each namespace method is written once and returns ``transport.run(plan)``.
A plan says which RPC to call with which request, whether the call may be
retried, and how to turn the response into the typed result; the sync
transport (``grpc.Channel``) and the asyncio transport (``grpc.aio.Channel``)
execute the same plans, so ``Client`` and ``AsyncClient`` share every method
and differ only in whether ``run`` returns the result or a coroutine of it.

- :class:`Unary`: one request, one response.
- :class:`Paged`: an AIP-158 list, followed page by page to the end.
- :class:`Upload`: a client stream of request messages (dataset upload).
- :class:`Download`: a server stream of ``HttpBody`` chunks written to a file.
- :class:`Then`: a plan whose result picks the next plan (one method that
  needs two calls, e.g. a session's metadata and then its recording).

Response classes are looked up in the descriptor pool from the method name,
so a plan names the RPC once (``"DataService/GetDataset"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

from google.protobuf import descriptor_pool, message_factory
from google.protobuf.message import Message

T = TypeVar("T")
A = TypeVar("A")

PACKAGE = "neurogate.v1"


def method_path(method: str) -> str:
    """``"DataService/GetDataset"`` -> ``"/neurogate.v1.DataService/GetDataset"``."""
    return f"/{PACKAGE}.{method}"


@cache
def response_class(method: str) -> type[Message]:
    found = descriptor_pool.Default().FindMethodByName(f"{PACKAGE}.{method.replace('/', '.')}")
    return message_factory.GetMessageClass(found.output_type)


@dataclass(frozen=True)
class Unary(Generic[T]):
    method: str
    request: Message
    convert: Callable[[Any], T]
    #: Safe to repeat: a read, an analysis, a delete, or a call carrying an
    #: idempotency key.
    idempotent: bool
    #: False only for the token calls, which carry credentials in the body.
    authenticated: bool = True
    #: A label for an indeterminate progress bar while the call runs (long
    #: trainings), shown only when progress bars are on.
    progress: str | None = None


@dataclass(frozen=True)
class Paged(Generic[T]):
    """Follows ``next_page_token`` to the end; ``items`` picks a page's items."""

    method: str
    request: Message
    items: Callable[[Any], list[T]]


@dataclass(frozen=True)
class Upload(Generic[T]):
    method: str
    #: A fresh iterator of the request messages for each attempt.
    messages: Callable[[], Iterator[Message]]
    convert: Callable[[Any], T]
    #: Bytes the messages carry, for the progress bar.
    total_bytes: int
    label: str


def _same(path: Path) -> Any:
    return path


@dataclass(frozen=True)
class Download:
    method: str
    request: Message
    path: Path
    label: str
    #: The result from the written file (the path itself by default).
    convert: Callable[[Path], Any] = _same


@dataclass(frozen=True)
class Then(Generic[A, T]):
    first: Plan[A]
    next: Callable[[A], Plan[T]]


Plan = Unary[T] | Paged[Any] | Upload[T] | Download | Then[Any, T]
