"""Progress bars (tqdm) for uploads, exports and long trainings.

On by default only where someone watches: when stderr is a terminal or the
code runs in a Jupyter kernel; off in scripts, pipes and CI logs. The
``progress`` argument of the client forces either way.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager, nullcontext
from typing import Any


def in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    get_ipython = getattr(shell, "get_ipython", None)
    return get_ipython is not None and type(get_ipython()).__name__ == "ZMQInteractiveShell"


def default_progress() -> bool:
    return sys.stderr.isatty() or in_notebook()


def bar(
    enabled: bool, label: str, total: int | None = None, unit: str = "B"
) -> AbstractContextManager[Any]:
    """A tqdm bar when enabled (``update(n)`` it), else an object that does nothing."""
    if not enabled:
        return nullcontext(_Silent())
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=label, unit=unit, unit_scale=unit == "B", leave=False)


class _Silent:
    def update(self, n: float = 1) -> None:
        """Progress nobody watches."""
