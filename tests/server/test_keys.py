"""The HS256 signing key: from NEUROGATE_JWT_SECRET, or generated once in the
data dir with mode 0600 and reused on every later start."""

from __future__ import annotations

import stat

import pytest

from neurogate.server.keys import KEY_FILE, WEBHOOK_KEY_FILE, load_signing_key, load_webhook_key
from neurogate.server.settings import ConfigurationError, Settings


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_configured_secret_is_used_as_is(tmp_path):
    secret = "configured-secret-" + "c" * 32

    key = load_signing_key(Settings(data_dir=tmp_path, jwt_secret=secret))

    assert key == secret
    assert not (tmp_path / KEY_FILE).exists()


def test_a_too_short_configured_secret_is_refused(tmp_path):
    with pytest.raises(ConfigurationError, match="NEUROGATE_JWT_SECRET"):
        load_signing_key(Settings(data_dir=tmp_path, jwt_secret="s" * 31))


def test_a_secret_of_exactly_32_characters_is_accepted(tmp_path):
    assert load_signing_key(Settings(data_dir=tmp_path, jwt_secret="s" * 32)) == "s" * 32


def test_without_a_secret_a_key_is_generated_in_the_data_dir_with_mode_0600(tmp_path):
    data_dir = tmp_path / "not" / "yet" / "there"

    key = load_signing_key(Settings(data_dir=data_dir))

    path = data_dir / KEY_FILE
    assert path.read_text().strip() == key
    assert len(key) >= 32
    assert _mode(path) == 0o600


def test_the_generated_key_is_reused_on_the_next_start(tmp_path):
    settings = Settings(data_dir=tmp_path)
    first = load_signing_key(settings)

    second = load_signing_key(settings)

    assert second == first


def test_another_data_dir_gets_another_key(tmp_path):
    first = load_signing_key(Settings(data_dir=tmp_path / "a"))
    second = load_signing_key(Settings(data_dir=tmp_path / "b"))

    assert first != second


def test_loose_permissions_on_the_key_file_are_tightened(tmp_path):
    path = tmp_path / KEY_FILE
    path.write_text("k" * 64 + "\n")
    path.chmod(0o644)

    key = load_signing_key(Settings(data_dir=tmp_path))

    assert key == "k" * 64
    assert _mode(path) == 0o600


@pytest.mark.parametrize("content", ["", "\n", "too-short\n"], ids=["empty", "newline", "short"])
def test_a_key_file_without_a_usable_key_is_refused(tmp_path, content):
    path = tmp_path / KEY_FILE
    path.write_text(content)
    path.chmod(0o600)

    with pytest.raises(ConfigurationError, match=KEY_FILE):
        load_signing_key(Settings(data_dir=tmp_path))
    assert path.read_text() == content


def test_the_webhook_key_is_configured_or_generated_apart_from_the_others(tmp_path):
    configured = "webhook-key-" + "w" * 32
    assert load_webhook_key(Settings(data_dir=tmp_path, webhook_key=configured)) == configured
    with pytest.raises(ConfigurationError, match="NEUROGATE_WEBHOOK_KEY"):
        load_webhook_key(Settings(data_dir=tmp_path, webhook_key="short"))

    generated = load_webhook_key(Settings(data_dir=tmp_path))

    assert _mode(tmp_path / WEBHOOK_KEY_FILE) == 0o600
    assert load_webhook_key(Settings(data_dir=tmp_path)) == generated
    assert generated != load_signing_key(Settings(data_dir=tmp_path))
