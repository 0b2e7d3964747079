"""The one rule for user-given names: what is refused, what is kept, and
how the refusal names the parameter."""

from __future__ import annotations

import pytest

from neurogate.server.errors import InvalidParameter
from neurogate.server.names import MAX_NAME_LENGTH, checked_name

REFUSED = {
    "nul": "a\x00b",
    "c0-bell": "bell\x07",
    "tab": "tab\there",
    "cr-lf": "two\r\nlines",
    "ansi-escape": "red\x1b[31m text",
    "del": "del\x7f",
    "c1": "c1\x85next",
    "line-separator": "line\u2028sep",
    "rlo-override": "invoice\u202efdp.exe",
    "lre-embedding": "x\u202ay",
    "rli-isolate": "x\u2067y",
    "pdi-isolate": "x\u2069y",
    "zero-width-space": "zero\u200bwidth",
}


@pytest.mark.parametrize("name", REFUSED.values(), ids=REFUSED.keys())
def test_control_line_break_and_bidi_characters_are_refused_naming_the_parameter(name):
    with pytest.raises(InvalidParameter) as raised:
        checked_name(name, "experiment_type", "experiment_type")

    details = raised.value.details
    assert details["parameter"] == "experiment_type"
    assert details["character"].startswith("U+")
    # the refused character is shown escaped, never as itself
    assert not any(c in details["value"] for c in "\x00\x07\t\r\n\x1b\x7f\x85\u2028\u202e")


@pytest.mark.parametrize(
    "name",
    [
        "Größe 脑电图",
        "P300 \u2013 oddball",
        "\u0646\u06cc\u0645\u200c\u0641\u0627\u0635\u0644\u0647",
        "👩\u200d🔬 lab",
        "emoji 🧠",
    ],
    ids=["latin-cjk", "dash", "zwnj-persian", "zwj-emoji", "emoji"],
)
def test_ordinary_unicode_names_are_kept(name):
    assert checked_name(f"  {name} ", "name", "a name") == name


def test_an_empty_name_is_allowed_unless_required():
    assert checked_name("   ", "name", "a device name") == ""
    with pytest.raises(InvalidParameter) as raised:
        checked_name("   ", "name", "an account name", required=True)
    assert raised.value.details["parameter"] == "name"


def test_a_long_name_is_refused_with_the_limit():
    with pytest.raises(InvalidParameter) as raised:
        checked_name("n" * (MAX_NAME_LENGTH + 1), "name", "a device name")

    assert raised.value.details == {
        "parameter": "name",
        "value": "n" * 50 + "...",
        "max_length": MAX_NAME_LENGTH,
    }
