"""``python -m neurogate.server``: the same as the ``neurogate`` command."""

from neurogate.server.cli import main

if __name__ == "__main__":
    main()
