"""Neural dataset records (``POST /v1/datasets``): a name, a type and the
study's metadata, to which recorded sessions are attached later."""

from __future__ import annotations

import math
from typing import Any

from neurogate.server.datasets.upload import dataset_name
from neurogate.server.errors import InvalidParameter

NEURAL_TYPES = ("eeg",)
#: Metadata keys with a meaning, and what they must hold. Other keys are kept.
_POSITIVE_INTEGERS = ("subjects", "sessions_per_subject")
_POSITIVE_NUMBERS = ("sampling_rate",)


def _positive(key: str, value: Any, integer: bool) -> int | float:
    kind = "a positive integer" if integer else "a positive number"
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidParameter(
            f"metadata.{key} must be {kind}", parameter=f"metadata.{key}", value=value
        )
    if value <= 0 or (integer and value != int(value)):
        raise InvalidParameter(
            f"metadata.{key} must be {kind}", parameter=f"metadata.{key}", value=value
        )
    return int(value) if integer else float(value)


def neural_record(name: str, type_: str, metadata: dict[str, Any]) -> tuple[str, str, dict]:
    """The checked (name, type, metadata) of a new neural dataset."""
    type_ = type_.strip().lower()
    if type_ not in NEURAL_TYPES:
        raise InvalidParameter(
            f"unsupported dataset type {type_!r}" if type_ else "type is required",
            parameter="type",
            value=type_,
            valid_choices=list(NEURAL_TYPES),
            suggestion="upload tables with POST /v1/data/upload",
        )
    checked = dict(metadata)
    for key in _POSITIVE_INTEGERS:
        if key in checked:
            checked[key] = _positive(key, checked[key], integer=True)
    for key in _POSITIVE_NUMBERS:
        if key in checked:
            checked[key] = _positive(key, checked[key], integer=False)
    return dataset_name(name, ""), type_, checked
