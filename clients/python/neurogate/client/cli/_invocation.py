"""What every client command shares: the connection options, ``--json``,
printing a result, and turning a failed call into a message and exit code 1.

Results are printed once, either as JSON (the SDK's objects as plain data,
for programs) or as a short text made only when asked for (for people). A
failed call is the SDK's typed error; it is printed on stderr as ``Error:
CODE: message`` or, with ``--json``, as ``{"error": {...}}`` in the REST
envelope's shape, so scripts read the same fields over every transport.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import json
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

import click
import numpy as np

from neurogate.client import Client, NeuroGateError
from neurogate.client.cli._connection import Connection, resolve

__all__ = ["Invocation", "client_command", "jsonable", "table"]

P = ParamSpec("P")


@dataclasses.dataclass(frozen=True)
class Invocation:
    """One run of a client command: its connection options and output mode."""

    target: str | None
    api_key: str | None
    as_json: bool

    def connection(self) -> Connection:
        return resolve(self.target, self.api_key)

    def client(self) -> Client:
        return self.connection().client()

    def emit(self, value: Any, text: str | Callable[[], str]) -> None:
        """Prints ``value`` as JSON with ``--json``, else the text."""
        if self.as_json:
            click.echo(json.dumps(jsonable(value)))
        else:
            click.echo(text() if callable(text) else text)

    def fail(self, error: NeuroGateError) -> None:
        if self.as_json:
            body = {
                "code": error.code,
                "message": error.message,
                "details": jsonable(error.details),
                "request_id": error.request_id,
            }
            click.echo(json.dumps({"error": body}), err=True)
        else:
            click.echo(f"Error: {error}", err=True)


def client_command(
    command: Callable[Concatenate[Invocation, P], None],
) -> Callable[P, None]:
    """Adds ``--target``, ``--api-key`` and ``--json`` to a command, hands it
    an :class:`Invocation`, and ends a failed call with exit code 1."""

    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
    @click.option(
        "--api-key",
        metavar="KEY",
        help="Bearer API key (default: NEUROGATE_API_KEY, then `neurogate login`).",
    )
    @click.option(
        "--target",
        metavar="HOST:PORT",
        help="gRPC address (default: NEUROGATE_TARGET, then `neurogate login`, "
        "then localhost:50051).",
    )
    @functools.wraps(command)
    def run(
        *args: P.args, target: str | None, api_key: str | None, as_json: bool, **kwargs: P.kwargs
    ) -> None:
        invocation = Invocation(target, api_key, as_json)
        try:
            command(invocation, *args, **kwargs)
        except NeuroGateError as error:
            invocation.fail(error)
            raise click.exceptions.Exit(1) from None

    return run  # type: ignore[return-value]


def jsonable(value: Any) -> Any:
    """``value`` as JSON data: the SDK's dataclasses without their raw
    protobuf messages, arrays as lists, times as ISO 8601, bytes as base64,
    and non-finite numbers as null (JSON has no NaN)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            item.name: jsonable(getattr(value, item.name))
            for item in dataclasses.fields(value)
            if item.name != "raw" and not item.name.startswith("_")
        }
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, list | tuple | set):
        return [jsonable(item) for item in value]
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, Path):
        return str(value)
    return value


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list | tuple):
        return ",".join(_cell(item) for item in value)
    return str(value)


def table(rows: Iterable[Sequence[Any]], headers: Sequence[str]) -> str:
    """Rows as aligned text columns under their headers."""
    cells = [list(headers), *([_cell(value) for value in row] for row in rows)]
    if len(cells) == 1:
        return "(none)"
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )
