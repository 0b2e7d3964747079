"""Webhook secrets sealed at rest: only the key that sealed a secret opens it,
a tampered value does not open, and plain text from before sealing passes."""

from __future__ import annotations

import pytest

from neurogate.server.webhooks.sealing import PREFIX, SecretBox, SecretUnreadable, is_sealed

KEY = "webhook-key-" + "k" * 32
SECRET = "whsec_" + "s" * 40


def test_a_sealed_secret_opens_with_its_key_and_hides_the_secret() -> None:
    box = SecretBox(KEY)

    sealed = box.seal(SECRET)

    assert is_sealed(sealed) and sealed.startswith(PREFIX)
    assert SECRET not in sealed
    assert box.open(sealed) == SECRET
    assert box.seal(SECRET) != sealed  # a fresh IV each time


def test_another_key_does_not_open_it() -> None:
    sealed = SecretBox(KEY).seal(SECRET)

    with pytest.raises(SecretUnreadable, match="NEUROGATE_WEBHOOK_KEY"):
        SecretBox("another-key-" + "a" * 32).open(sealed)


def test_a_tampered_value_does_not_open() -> None:
    sealed = SecretBox(KEY).seal(SECRET)
    tampered = sealed[:-6] + ("A" if sealed[-6] != "A" else "B") + sealed[-5:]

    with pytest.raises(SecretUnreadable):
        SecretBox(KEY).open(tampered)


def test_a_plain_secret_from_before_sealing_is_returned_as_it_is() -> None:
    assert not is_sealed(SECRET)
    assert SecretBox(KEY).open(SECRET) == SECRET


def test_the_longest_secret_allowed_seals_even_when_not_ascii() -> None:
    secret = "é" * 200

    assert SecretBox(KEY).open(SecretBox(KEY).seal(secret)) == secret
