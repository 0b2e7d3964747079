"""``neurogate datasets``: upload, list, show and delete tables."""

from __future__ import annotations

from pathlib import Path

import click

from neurogate.client.cli._invocation import Invocation, client_command, table
from neurogate.client.models import Dataset

__all__ = ["datasets"]


def _summary(dataset: Dataset) -> str:
    types = ", ".join(f"{column} ({kind})" for column, kind in dataset.column_types.items())
    shape = f"{dataset.rows} rows x {dataset.columns} columns"
    return f"{dataset.id}  {dataset.name!r}: {shape}: {types}"


@click.group("datasets")
def datasets() -> None:
    """Tables uploaded for analysis (CSV or Excel)."""


@datasets.command("upload")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", help="Dataset name (default: the server's, from the file name).")
@client_command
def upload(call: Invocation, file: Path, name: str | None) -> None:
    """Uploads FILE (.csv or .xlsx, at most 50 MB)."""
    with call.client() as client:
        dataset = client.data.upload(file, name=name)
    call.emit(dataset, lambda: _summary(dataset))


@datasets.command("list")
@client_command
def list_datasets(call: Invocation) -> None:
    """The account's datasets, newest first."""
    with call.client() as client:
        found = client.data.list()
    call.emit(
        found,
        lambda: table(
            ((d.id, d.name, d.type, d.rows, d.columns, d.created_at) for d in found),
            ["ID", "NAME", "TYPE", "ROWS", "COLUMNS", "CREATED"],
        ),
    )


@datasets.command("show")
@click.argument("dataset_id", metavar="DATASET")
@click.option("--rows", default=5, show_default=True, help="Preview rows (at most 100).")
@client_command
def show(call: Invocation, dataset_id: str, rows: int) -> None:
    """One dataset: its shape, column types and first rows."""
    with call.client() as client:
        dataset = client.data.get(dataset_id, preview_rows=rows)

    def text() -> str:
        preview = dataset.preview or []
        if not preview:
            return _summary(dataset)
        headers = list(preview[0])
        rows = table(([row.get(h) for h in headers] for row in preview), headers)
        return f"{_summary(dataset)}\n\n{rows}"

    call.emit(dataset, text)


@datasets.command("delete")
@click.argument("dataset_id", metavar="DATASET")
@client_command
def delete(call: Invocation, dataset_id: str) -> None:
    """Deletes a dataset."""
    with call.client() as client:
        client.data.delete(dataset_id)
    call.emit({"dataset_id": dataset_id, "deleted": True}, f"Deleted {dataset_id}")
