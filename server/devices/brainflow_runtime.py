"""Loading BrainFlow reliably.

BrainFlow 5.23 looks for its native library with ``importlib.resources`` on a
module (which raises) and falls back to ``pkg_resources``. setuptools 82
removed ``pkg_resources`` and the versions before it warn when it is
imported (about itself, and about packages such as this editable install).
The project therefore depends on ``setuptools<82``, and
:func:`ensure_brainflow` imports ``pkg_resources`` once with its import-time
warnings silenced, before BrainFlow does, so BrainFlow finds its library and neither
users nor the test suite (which runs with warnings as errors) see a warning.
Every module that touches BrainFlow calls :func:`ensure_brainflow` first.
"""

from __future__ import annotations

import warnings
from functools import cache


@cache
def ensure_brainflow() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pkg_resources  # noqa: F401  (preloaded for BrainFlow's fallback)
    from brainflow.board_shim import BoardShim

    # BrainFlow logs to stderr by default; NeuroGate reports board errors itself.
    BoardShim.disable_board_logger()
