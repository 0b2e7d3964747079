"""The webhook settings: private addresses refused unless allowed, and the
retry base and poll interval configurable (tests make them small)."""

from __future__ import annotations

import pytest

from neurogate.server.settings import ConfigurationError, Settings


def test_the_defaults_refuse_private_addresses_and_retry_after_ten_seconds():
    settings = Settings.from_env({})

    assert settings.webhook_allow_private is False
    assert settings.webhook_retry_base_seconds == 10.0
    assert settings.webhook_poll_seconds == 1.0


@pytest.mark.parametrize(("raw", "allowed"), [("true", True), ("1", True), ("no", False)])
def test_private_addresses_can_be_allowed(raw, allowed):
    settings = Settings.from_env({"NEUROGATE_WEBHOOK_ALLOW_PRIVATE": raw})

    assert settings.webhook_allow_private is allowed


def test_the_retry_base_and_poll_interval_are_read():
    settings = Settings.from_env(
        {"NEUROGATE_WEBHOOK_RETRY_BASE_SECONDS": "0.05", "NEUROGATE_WEBHOOK_POLL_SECONDS": "0.1"}
    )

    assert (settings.webhook_retry_base_seconds, settings.webhook_poll_seconds) == (0.05, 0.1)


@pytest.mark.parametrize(
    ("name", "raw"),
    [("WEBHOOK_ALLOW_PRIVATE", "maybe"), ("WEBHOOK_RETRY_BASE_SECONDS", "0")],
)
def test_unusable_values_are_refused(name, raw):
    with pytest.raises(ConfigurationError, match=f"NEUROGATE_{name}"):
        Settings.from_env({f"NEUROGATE_{name}": raw})
