"""Where the client commands' connection comes from, without a server:
options over environment over the stored file, and the file's privacy."""

from __future__ import annotations

import stat
from pathlib import Path

import click
import pytest

from neurogate.client.cli._connection import (
    DEFAULT_TARGET,
    MissingCredentials,
    config_path,
    read_config,
    resolve,
    write_config,
)

STORED = {"target": "stored:1", "api_key": "stored-key"}


def test_config_lives_under_xdg_config_home_or_else_home_config(tmp_path: Path):
    assert config_path({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "neurogate/config.json"
    assert config_path({}) == Path.home() / ".config/neurogate/config.json"


def test_options_win_over_environment_and_file():
    env = {"NEUROGATE_TARGET": "env:1", "NEUROGATE_API_KEY": "env-key"}
    connection = resolve("option:1", "option-key", env=env, stored=STORED)
    assert (connection.target, connection.api_key) == ("option:1", "option-key")


def test_environment_wins_over_the_file():
    env = {"NEUROGATE_TARGET": "env:1", "NEUROGATE_API_KEY": "env-key"}
    connection = resolve(None, None, env=env, stored=STORED)
    assert (connection.target, connection.api_key) == ("env:1", "env-key")


def test_client_credentials_in_the_environment_win_over_a_stored_key():
    env = {"NEUROGATE_CLIENT_ID": "cli_1", "NEUROGATE_CLIENT_SECRET": "secret"}
    connection = resolve(None, None, env=env, stored=STORED)
    assert (connection.client_id, connection.client_secret) == ("cli_1", "secret")
    assert connection.api_key is None
    assert connection.target == "stored:1"


def test_the_file_is_used_when_nothing_else_is_given():
    connection = resolve(None, None, env={}, stored=STORED)
    assert (connection.target, connection.api_key) == ("stored:1", "stored-key")


def test_no_credentials_anywhere_is_refused_before_any_call():
    connection = resolve(None, None, env={}, stored={})
    assert connection.target == DEFAULT_TARGET
    with pytest.raises(MissingCredentials, match="neurogate login"):
        connection.client()


def test_neurogate_tls_forces_tls():
    assert resolve(None, "k", env={"NEUROGATE_TLS": "1"}, stored={}).tls is True
    assert resolve(None, "k", env={}, stored={}).tls is None


def test_a_target_that_is_not_host_port_is_a_clear_error():
    with pytest.raises(click.ClickException, match="unsupported scheme"):
        resolve("ftp://example.org", "k", env={}, stored={}).client()


def test_stored_file_is_private_even_when_an_older_one_was_not(tmp_path: Path):
    path = tmp_path / "neurogate" / "config.json"
    path.parent.mkdir()
    path.write_text("{}")
    path.chmod(0o644)

    write_config(STORED, path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_config(path) == STORED


def test_new_config_directory_is_private(tmp_path: Path):
    path = tmp_path / "config" / "neurogate" / "config.json"
    write_config(STORED, path)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_corrupt_config_file_names_itself(tmp_path: Path):
    path = tmp_path / "config.json"
    path.write_text("not json")
    with pytest.raises(click.ClickException, match=str(path)):
        read_config(path)
