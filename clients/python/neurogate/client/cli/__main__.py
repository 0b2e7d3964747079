"""``python -m neurogate.client.cli``: the client commands alone.

The same commands as ``neurogate login``, ``neurogate datasets``, ... without
importing the server package, which the ``neurogate`` entry point loads for
its server commands (seconds of imports a client does not need).
"""

from __future__ import annotations

import click

from neurogate.client.cli import register


@click.group()
def main() -> None:
    """NeuroGate's client commands (also available as `neurogate COMMAND`)."""


register(main)

if __name__ == "__main__":
    main(prog_name="neurogate")
