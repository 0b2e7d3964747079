"""``neurogate sessions`` (record a device's stream) and ``neurogate export``
(download a recording as EDF+, CSV or a BrainFlow file)."""

from __future__ import annotations

from pathlib import Path

import click

from neurogate.client.cli._invocation import Invocation, client_command, table
from neurogate.client.models import Session

__all__ = ["export", "sessions"]


def _summary(session: Session) -> str:
    quality = session.quality_metrics
    device = f" on {session.device_id}" if session.device_id else ""
    return (
        f"{session.id}: {session.status}{device}, "
        f"{session.duration_seconds:.1f} s, {session.data_points} samples, "
        f"signal quality {quality.get('signal_quality', '-')}, "
        f"artifacts {quality.get('artifact_percentage', '-')} %"
    )


@click.group("sessions")
def sessions() -> None:
    """Recording sessions."""


@sessions.command("start")
@click.argument("device_id", metavar="DEVICE")
@click.option("--subject", required=True, help="Subject id (stored only as a keyed hash).")
@click.option("--experiment", required=True, help="Experiment type, e.g. resting.")
@click.option("--minutes", type=int, help="Stop after this long (default: when stopped).")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat).")
@client_command
def start(
    call: Invocation,
    device_id: str,
    subject: str,
    experiment: str,
    minutes: int | None,
    tags: tuple[str, ...],
) -> None:
    """Records the device's stream (starting it if needed)."""
    with call.client() as client:
        session = client.sessions.create(
            device_id=device_id,
            subject_id=subject,
            experiment_type=experiment,
            duration_minutes=minutes,
            tags=list(tags),
        )
    call.emit(session, f"Recording {session.id} on {session.device_id}")


@sessions.command("list")
@click.option("--device", "device_id", default="", help="Only this device's sessions.")
@click.option("--status", default="", help="recording, completed, stopped or interrupted.")
@client_command
def list_sessions(call: Invocation, device_id: str, status: str) -> None:
    """The account's sessions, newest first."""
    with call.client() as client:
        found = client.sessions.list(device_id=device_id, status=status)
    call.emit(
        found,
        lambda: table(
            (
                (s.id, s.device_id, s.status, s.experiment_type, s.start_time, s.duration_seconds)
                for s in found
            ),
            ["ID", "DEVICE", "STATUS", "EXPERIMENT", "STARTED", "SECONDS"],
        ),
    )


@sessions.command("show")
@click.argument("session_id", metavar="SESSION")
@client_command
def show(call: Invocation, session_id: str) -> None:
    """One session with its quality metrics."""
    with call.client() as client:
        session = client.sessions.get(session_id)
    call.emit(session, lambda: _summary(session))


@sessions.command("stop")
@click.argument("session_id", metavar="SESSION")
@client_command
def stop(call: Invocation, session_id: str) -> None:
    """Stops recording (the data recorded so far is kept)."""
    with call.client() as client:
        session = client.sessions.stop(session_id)
    call.emit(session, lambda: _summary(session))


@sessions.command("delete")
@click.argument("session_id", metavar="SESSION")
@client_command
def delete(call: Invocation, session_id: str) -> None:
    """Deletes a session and its recording."""
    with call.client() as client:
        client.sessions.delete(session_id)
    call.emit({"session_id": session_id, "deleted": True}, f"Deleted {session_id}")


@click.command("export")
@click.argument("session_id", metavar="SESSION")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["edf", "csv", "brainflow"]),
    default="edf",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write (default: SESSION with the format's extension).",
)
@client_command
def export(call: Invocation, session_id: str, file_format: str, output: Path | None) -> None:
    """Downloads a session's recording."""
    with call.client() as client:
        path = client.sessions.export(session_id, format=file_format, path=output)
    size = path.stat().st_size
    call.emit(
        {"session_id": session_id, "format": file_format, "path": str(path), "bytes": size},
        f"Wrote {path} ({size} bytes)",
    )
