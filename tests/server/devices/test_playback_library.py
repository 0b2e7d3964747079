"""Which file a playback device may name, on a real directory tree: the
shared library and the caller's own folder, nothing hidden, nothing of
another account, no way out by '..', an absolute path or a symlink, never
the server's own files; every file it may not play is answered like a
missing one, naming only what the caller gave."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from neurogate.server.devices.playback_library import PlaybackLibrary
from neurogate.server.errors import InvalidParameter

OWNER, OTHER = "acc_owner", "acc_other"


@dataclass(frozen=True)
class Tree:
    data_dir: Path
    playback_dir: Path
    replay_dir: Path
    library: PlaybackLibrary

    def write(self, relative: str, root: Path | None = None) -> Path:
        path = (root or self.playback_dir) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("0.0\t1.0\n")
        return path

    def own(self, account_id: str) -> Path:
        return self.playback_dir / "accounts" / account_id


def tree_at(data_dir: Path, playback_dir: Path) -> Tree:
    replay_dir = data_dir / "replays"
    return Tree(
        data_dir, playback_dir, replay_dir, PlaybackLibrary(playback_dir, data_dir, replay_dir)
    )


@pytest.fixture
def tree(tmp_path: Path) -> Tree:
    """The default layout: the playback dir inside the data dir."""
    return tree_at(tmp_path / "data", tmp_path / "data" / "playback")


def refusal(library: PlaybackLibrary, account_id: str, name: str) -> InvalidParameter:
    with pytest.raises(InvalidParameter) as raised:
        library.resolve(account_id, name)
    return raised.value


def assert_missing(tree: Tree, account_id: str, name: str) -> None:
    """``name`` is answered exactly like a file nobody has, and the answer
    shows no server path."""
    error = refusal(tree.library, account_id, name)
    nobodys = refusal(tree.library, account_id, "nobody/has/this.csv")
    assert error.message == nobodys.message.replace("nobody/has/this.csv", name)
    assert error.details == {**nobodys.details, "value": name}
    assert error.details["parameter"] == "params.file"
    assert str(tree.data_dir) not in f"{error.message} {error.details}"


# ---------------------------------------------------------------- what plays


def test_a_library_file_plays_for_every_account(tree: Tree):
    path = tree.write("eyes-closed/subject1.csv")

    assert tree.library.resolve(OWNER, "eyes-closed/subject1.csv") == path.resolve()
    assert tree.library.resolve(OTHER, "./eyes-closed//subject1.csv") == path.resolve()


def test_a_file_in_an_accounts_folder_plays_for_that_account(tree: Tree):
    path = tree.write("mine.csv", tree.own(OWNER))

    assert tree.library.resolve(OWNER, "mine.csv") == path.resolve()


def test_an_accounts_own_file_comes_before_the_library_file_of_the_same_name(tree: Tree):
    tree.write("rest.csv")
    own = tree.write("rest.csv", tree.own(OWNER))

    assert tree.library.resolve(OWNER, "rest.csv") == own.resolve()
    assert tree.library.resolve(OTHER, "rest.csv") == (tree.playback_dir / "rest.csv").resolve()


def test_a_symlink_that_stays_in_the_library_plays(tree: Tree):
    target = tree.write("sessions/a.csv")
    (tree.playback_dir / "latest.csv").symlink_to(target)

    assert tree.library.resolve(OWNER, "latest.csv") == target.resolve()


# ---------------------------------------------------------------- answered as missing


def test_another_accounts_file_is_missing_by_its_name_and_by_its_folder(tree: Tree):
    tree.write("mine.csv", tree.own(OWNER))

    assert_missing(tree, OTHER, "mine.csv")
    assert_missing(tree, OTHER, f"accounts/{OWNER}/mine.csv")
    assert_missing(tree, OWNER, f"accounts/{OWNER}/mine.csv")  # not a library path


@pytest.mark.parametrize(
    "name", [".recordings/ses_1.tsv", "sub/.hidden.csv", ".secret.csv", "sub/./.x/y.csv"]
)
def test_hidden_files_are_missing_even_when_they_exist(tree: Tree, name: str):
    tree.write(name)

    assert_missing(tree, OWNER, name)


def test_a_folder_is_missing(tree: Tree):
    (tree.playback_dir / "folder").mkdir(parents=True)

    assert_missing(tree, OWNER, "folder")


def test_a_symlink_out_of_the_library_is_missing(tree: Tree, tmp_path: Path):
    outside = tree.write("outside.csv", tmp_path)
    tree.playback_dir.mkdir(parents=True)
    (tree.playback_dir / "escape.csv").symlink_to(outside)
    (tree.playback_dir / "escape-dir").symlink_to(tmp_path)

    assert_missing(tree, OWNER, "escape.csv")
    assert_missing(tree, OWNER, "escape-dir/outside.csv")


def test_a_symlink_into_another_accounts_folder_is_missing(tree: Tree):
    theirs = tree.write("theirs.csv", tree.own(OTHER))
    tree.own(OWNER).mkdir(parents=True)
    (tree.own(OWNER) / "borrowed.csv").symlink_to(theirs)
    (tree.playback_dir / "shared-link.csv").symlink_to(theirs)

    assert_missing(tree, OWNER, "borrowed.csv")
    assert_missing(tree, OWNER, "shared-link.csv")


def test_a_symlink_loop_is_missing(tree: Tree):
    tree.playback_dir.mkdir(parents=True)
    (tree.playback_dir / "loop.csv").symlink_to(tree.playback_dir / "loop.csv")

    assert_missing(tree, OWNER, "loop.csv")


def test_replay_files_are_never_playback_files(tree: Tree):
    replay = tree.write(f"{OWNER}/ses_1.tsv", tree.replay_dir)
    tree.playback_dir.mkdir(parents=True)
    (tree.playback_dir / "replays").symlink_to(tree.replay_dir)
    (tree.playback_dir / "one.tsv").symlink_to(replay)

    assert_missing(tree, OTHER, f"replays/{OWNER}/ses_1.tsv")
    assert_missing(tree, OTHER, "one.tsv")


@pytest.mark.parametrize("name", ["neurogate.db", "jwt_secret", f"replays/{OWNER}/ses_1.tsv"])
def test_a_playback_dir_that_holds_the_data_dir_never_serves_the_servers_files(
    tmp_path: Path, name: str
):
    tree = tree_at(tmp_path / "data", tmp_path)
    tree.write(name, tree.data_dir)
    beside = tree.write("beside.csv")

    assert_missing(tree, OTHER, f"data/{name}")
    assert tree.library.resolve(OTHER, "beside.csv") == beside.resolve()


def test_the_data_dir_as_playback_dir_never_serves_the_servers_files(tmp_path: Path):
    tree = tree_at(tmp_path, tmp_path)
    tree.write("neurogate.db")

    assert_missing(tree, OTHER, "neurogate.db")


# ---------------------------------------------------------------- malformed


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("a\x00b.csv", id="NUL byte"),
        pytest.param("a\nb.csv", id="newline"),
        pytest.param("a\tb.csv", id="tab"),
        pytest.param("a\x7fb.csv", id="DEL"),
        pytest.param("/etc/passwd", id="absolute"),
        pytest.param("../outside.csv", id="parent"),
        pytest.param("sub/../../outside.csv", id="parent inside"),
        pytest.param("sub/..", id="parent at the end"),
        pytest.param(".", id="the library itself"),
        pytest.param("x" * 256, id="part too long"),
        pytest.param("a/" * 600 + "x", id="name too long"),
    ],
)
def test_a_malformed_name_is_refused_by_its_form_alone(tree: Tree, name: str):
    tree.write("outside.csv", tree.data_dir)

    error = refusal(tree.library, OWNER, name)

    assert "relative path" in error.message
    assert error.details["parameter"] == "params.file"
    assert str(tree.data_dir) not in f"{error.message} {error.details}"


def test_a_very_long_name_is_not_echoed_in_full(tree: Tree):
    error = refusal(tree.library, OWNER, "x" * 5000)

    assert len(error.details["value"]) < 100
