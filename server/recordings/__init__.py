"""Recordings: what a session stored, as a value (:class:`Recording` with its
:class:`Marker` events), and its export as EDF+, CSV or BrainFlow files.

Everything here is a pure function over values, so it runs in worker
processes and tests without a server.
"""

from neurogate.server.recordings.formats import (
    EXPORT_FORMATS,
    ExportedFile,
    brainflow_marker_codes,
    export_brainflow,
    export_csv,
    export_edf,
    export_recording,
    read_brainflow,
)
from neurogate.server.recordings.recording import Marker, Recording

__all__ = [
    "EXPORT_FORMATS",
    "ExportedFile",
    "Marker",
    "Recording",
    "brainflow_marker_codes",
    "export_brainflow",
    "export_csv",
    "export_edf",
    "export_recording",
    "read_brainflow",
]
