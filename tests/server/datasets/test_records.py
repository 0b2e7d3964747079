"""Neural dataset records (POST /v1/datasets): the type is checked against the
supported ones and the documented metadata keys hold positive numbers."""

from __future__ import annotations

import math

import pytest

from neurogate.server.datasets.records import NEURAL_TYPES, neural_record
from neurogate.server.errors import InvalidParameter


def test_a_documented_record_is_accepted_as_given():
    metadata = {"subjects": 12, "sessions_per_subject": 3, "sampling_rate": 250}

    record = neural_record("Motor imagery", "eeg", metadata)

    assert record == (
        "Motor imagery",
        "eeg",
        {
            "subjects": 12,
            "sessions_per_subject": 3,
            "sampling_rate": 250.0,
        },
    )
    assert isinstance(record[2]["sampling_rate"], float)


def test_the_type_is_normalised():
    assert neural_record("n", "  EEG ", {})[1] == "eeg"


def test_the_callers_metadata_is_not_modified():
    metadata = {"subjects": 2.0}

    neural_record("n", "eeg", metadata)

    assert metadata == {"subjects": 2.0}


def test_unknown_metadata_keys_are_kept_untouched():
    metadata = {"task": "rest", "montage": {"ref": "Cz"}, "notes": None, "channels": -1}

    assert neural_record("n", "eeg", metadata)[2] == metadata


def test_a_missing_name_is_generated():
    name, _, _ = neural_record("  ", "eeg", {})

    assert name.startswith("dataset-")


def test_a_name_with_control_characters_is_refused():
    with pytest.raises(InvalidParameter) as raised:
        neural_record("bad\nname", "eeg", {})

    assert raised.value.details["parameter"] == "name"


@pytest.mark.parametrize("type_", ["meg", "tabular", "fnirs"])
def test_an_unsupported_type_is_refused_with_the_valid_choices(type_):
    with pytest.raises(InvalidParameter) as raised:
        neural_record("n", type_, {})

    assert raised.value.details == {
        "parameter": "type",
        "value": type_,
        "valid_choices": list(NEURAL_TYPES),
        "suggestion": "upload tables with POST /v1/data/upload",
    }
    assert type_ in raised.value.message


def test_a_missing_type_is_required():
    with pytest.raises(InvalidParameter) as raised:
        neural_record("n", "   ", {})

    assert raised.value.message == "type is required"
    assert raised.value.details["valid_choices"] == ["eeg"]


@pytest.mark.parametrize("key", ["subjects", "sessions_per_subject"])
def test_integral_floats_are_accepted_as_integers(key):
    checked = neural_record("n", "eeg", {key: 4.0})[2]

    assert checked[key] == 4
    assert isinstance(checked[key], int)


@pytest.mark.parametrize("key", ["subjects", "sessions_per_subject"])
@pytest.mark.parametrize(
    "value",
    [0, -3, 2.5, True, False, "12", None, [1], math.inf, math.nan, -0.0],
    ids=[
        "zero",
        "negative",
        "fraction",
        "true",
        "false",
        "string",
        "null",
        "list",
        "inf",
        "nan",
        "negative-zero",
    ],
)
def test_counts_must_be_positive_integers(key, value):
    with pytest.raises(InvalidParameter) as raised:
        neural_record("n", "eeg", {key: value})

    assert raised.value.details["parameter"] == f"metadata.{key}"
    assert raised.value.message == f"metadata.{key} must be a positive integer"
    if not (isinstance(value, float) and math.isnan(value)):
        assert raised.value.details["value"] == value


@pytest.mark.parametrize("value", [0.5, 250, 1e6])
def test_a_positive_sampling_rate_is_accepted(value):
    assert neural_record("n", "eeg", {"sampling_rate": value})[2]["sampling_rate"] == value


@pytest.mark.parametrize(
    "value",
    [0, -250, True, "250", None, math.inf, -math.inf, math.nan],
    ids=["zero", "negative", "bool", "string", "null", "inf", "-inf", "nan"],
)
def test_the_sampling_rate_must_be_a_positive_finite_number(value):
    with pytest.raises(InvalidParameter) as raised:
        neural_record("n", "eeg", {"sampling_rate": value})

    assert raised.value.details["parameter"] == "metadata.sampling_rate"
    assert raised.value.message == "metadata.sampling_rate must be a positive number"
