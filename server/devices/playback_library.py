"""Which BrainFlow files a ``playback_file`` device may name.

The playback dir (``NEUROGATE_PLAYBACK_DIR``) belongs to the operator; the
server only reads it:

- ``<playback dir>/accounts/<account id>/``: one account's own files;
- the rest of it: the shared library, which every account may replay.

A name is a relative path, looked up in the caller's own folder first, then
in the shared library. Hidden names (a part starting with ``.``) and the
``accounts`` folder are in neither, a symlink counts only while it stays in
the folder it was found in, and the server's own files (its data dir, the
recordings it exports for replay) are never playback files. Every name that
finds nothing gets one answer that names only what the caller gave: it
tells nobody whether another account's file exists, nor where the library
lives.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from neurogate.server.errors import InvalidParameter

ACCOUNTS_FOLDER = "accounts"
MAX_NAME_LENGTH = 1024
MAX_PART_LENGTH = 255


def _refuse_name(name: str) -> InvalidParameter:
    return InvalidParameter(
        "file must be a relative path in the playback library, without '..' or control characters",
        parameter="params.file",
        value=name if len(name) <= MAX_NAME_LENGTH else name[:50] + "...",
    )


def _missing(name: str) -> InvalidParameter:
    return InvalidParameter(
        f"there is no playback file {name!r}",
        parameter="params.file",
        value=name,
        suggestion="name a file of the shared playback library or of your account's folder",
    )


def _parts(name: str) -> tuple[str, ...]:
    """The parts of a well-formed name; InvalidParameter for any other.

    Decided by the name alone, so the refusal says nothing about the disk."""
    if (
        not name
        or len(name) > MAX_NAME_LENGTH
        or any(ord(char) < 32 or ord(char) == 127 for char in name)
    ):
        raise _refuse_name(name)
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise _refuse_name(name)
    if any(len(part) > MAX_PART_LENGTH for part in path.parts):
        raise _refuse_name(name)
    return path.parts


def _hidden(parts: tuple[str, ...]) -> bool:
    return any(part.startswith(".") for part in parts)


def _real(path: Path) -> Path:
    """``path`` with its symlinks followed; unlike ``Path.resolve`` it never
    raises (a symlink loop stays unresolved, and then is no file)."""
    return Path(os.path.realpath(path))


def _is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:  # unreadable, a symlink loop, ...: not a file it can play
        return False


class PlaybackLibrary:
    def __init__(self, root: Path, data_dir: Path, replay_dir: Path) -> None:
        self.root = root
        self._data_dir = data_dir
        self._replay_dir = replay_dir

    def resolve(self, account_id: str, name: str) -> Path:
        """The real path of the file ``name`` that ``account_id`` may play,
        or InvalidParameter."""
        parts = _parts(name)
        if _hidden(parts):
            raise _missing(name)
        root = _real(self.root)
        for folder, shared in ((root / ACCOUNTS_FOLDER / account_id, False), (root, True)):
            path = self._file_in(_real(folder), parts, shared)
            if path is not None:
                return path
        raise _missing(name)

    def _file_in(self, folder: Path, parts: tuple[str, ...], shared: bool) -> Path | None:
        path = _real(folder.joinpath(*parts))
        if not path.is_relative_to(folder) or path == folder:
            return None  # a symlink out of the folder
        inside = path.relative_to(folder).parts
        if _hidden(inside) or (shared and ACCOUNTS_FOLDER in (parts[0], inside[0])):
            return None
        if self._is_server_file(path):
            return None
        return path if _is_regular_file(path) else None

    def _is_server_file(self, path: Path) -> bool:
        """Whether ``path`` is one of the server's own files; those in the
        data dir count unless the library itself lies inside the data dir
        (as it does by default)."""
        if path.is_relative_to(_real(self._replay_dir)):
            return True
        data_dir, root = _real(self._data_dir), _real(self.root)
        library_inside_data = root != data_dir and root.is_relative_to(data_dir)
        return path.is_relative_to(data_dir) and not library_inside_data
