"""Record a session from the synthetic board, mark events, and export it as EDF+.

Starts a recording on the account's synthetic board, inserts two markers a
second apart, stops after --seconds, downloads the recording as an EDF+
file, and reads the file back with pyedflib to show what it holds: the
channels, their rate, and the markers as EDF+ annotations. With MNE-Python
installed (the ``mne`` extra), the same recording loads as an
``mne.io.RawArray`` through ``client.sessions.recording(...).to_mne()``.

    NEUROGATE_TARGET=127.0.0.1:50051 NEUROGATE_API_KEY=... \
        python examples/record_and_export.py --seconds 3 --output session.edf
"""

from __future__ import annotations

import argparse
import time

import pyedflib

from neurogate.client import Client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to record")
    parser.add_argument("--output", default="session.edf", help="EDF+ file to write")
    args = parser.parse_args()

    with Client.from_env() as client:
        device = next(d for d in client.devices.list() if d.type == "synthetic")
        # Recording starts the board's stream if needed; leave it as it was found.
        was_streaming = client.devices.status(device.id).streaming
        session = client.sessions.create(
            device_id=device.id, subject_id="subject-01", experiment_type="resting"
        )
        print(f"recording {session.id} on {device.id}")
        began = time.monotonic()
        for label in ("eyes_open", "eyes_closed"):
            client.devices.insert_marker(device.id, label, {"example": "record_and_export"})
            time.sleep(1.0)  # let the recording run: these are the epochs the markers open
        time.sleep(max(0.0, args.seconds - (time.monotonic() - began)))
        stopped = client.sessions.stop(session.id)
        if not was_streaming:
            client.devices.stop_stream(device.id)
        print(f"stopped: {stopped.data_points} samples, status {stopped.status}")
        path = client.sessions.export(session.id, format="edf", path=args.output)

    with pyedflib.EdfReader(str(path)) as edf:
        labels = edf.getSignalLabels()
        rate = edf.getSampleFrequency(0)
        onsets, _, descriptions = edf.readAnnotations()
        print(
            f"wrote {path}: {len(labels)} channels at {rate:g} Hz, {edf.getNSamples()[0]} samples"
        )
        for onset, description in zip(onsets, descriptions, strict=True):
            print(f"annotation at {onset:.3f} s: {description}")


if __name__ == "__main__":
    main()
