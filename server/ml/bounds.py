"""Ranges for the hyperparameters that decide how much work a training is.

scikit-learn takes ``n_estimators`` = 10^9: a forest that would keep a
compute worker busy for days. Each model type lists here the range it allows
for the parameters that set its size or its number of iterations; a value
outside is refused before any fitting, naming the parameter, the value and
the range. What stays slow within these ranges (a large table, say) is
stopped by the compute time limit (``NEUROGATE_COMPUTE_TIMEOUT``).

The upper ends are well above what these models are used with (scikit-learn's
defaults in brackets): forests of up to 2,000 trees [100], boosting of up to
5,000 stages [100], networks of up to 10 layers of 1,000 units [one of 100].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any, Final, Protocol

from neurogate.server.errors import InvalidParameter


class Bound(Protocol):
    def allows(self, value: Any) -> bool: ...

    def describe(self) -> str:
        """The allowed values, in words."""
        ...

    def details(self) -> dict[str, Any]:
        """The allowed values, for an error's details."""
        ...


@dataclass(frozen=True)
class Range:
    """Numbers from ``minimum`` to ``maximum``, and the ``special`` values
    that mean "no limit" where that is the estimator's default."""

    minimum: int
    maximum: int
    special: tuple[Any, ...] = ()

    def allows(self, value: Any) -> bool:
        if any(value is item or (_is_number(value) and value == item) for item in self.special):
            return True
        return not _is_number(value) or self.minimum <= value <= self.maximum

    def describe(self) -> str:
        described = f"{self.minimum} to {self.maximum:,}"
        for item in self.special:
            described += f", or {_json_name(item)}"
        return described

    def details(self) -> dict[str, Any]:
        return {
            "minimum": self.minimum,
            "maximum": self.maximum,
            **({"also_allowed": list(self.special)} if self.special else {}),
        }


@dataclass(frozen=True)
class Layers:
    """A network's hidden layers: one size, or a list of sizes."""

    max_layers: int
    max_units: int

    def allows(self, value: Any) -> bool:
        sizes = value if isinstance(value, tuple | list) else (value,)
        units = Range(1, self.max_units)
        return len(sizes) <= self.max_layers and all(units.allows(size) for size in sizes)

    def describe(self) -> str:
        return f"up to {self.max_layers} layers of 1 to {self.max_units:,} units"

    def details(self) -> dict[str, Any]:
        return {"max_layers": self.max_layers, "max_units": self.max_units}


_ITERATIONS: Final = Range(1, 100_000)
_TREE_DEPTH: Final = Range(1, 100, special=(None,))

#: model_type -> hyperparameter -> the values allowed, for both tasks.
BOUNDS: Final[dict[str, dict[str, Bound]]] = {
    "ridge": {"max_iter": Range(1, 100_000, special=(None,))},
    "lasso": {"max_iter": _ITERATIONS},
    "logistic_regression": {"max_iter": _ITERATIONS},
    "decision_tree": {"max_depth": _TREE_DEPTH},
    "random_forest": {"n_estimators": Range(1, 2_000), "max_depth": _TREE_DEPTH},
    "gradient_boosting": {
        "n_estimators": Range(1, 5_000),
        "max_depth": Range(1, 32, special=(None,)),
    },
    "svm": {"max_iter": Range(1, 1_000_000, special=(-1,)), "cache_size": Range(1, 1_000)},
    "knn": {"n_neighbors": Range(1, 1_000)},
    "neural_network": {
        "hidden_layer_sizes": Layers(max_layers=10, max_units=1_000),
        "max_iter": Range(1, 10_000),
        "max_fun": _ITERATIONS,
    },
}


def check_bounds(model_type: str, hyperparameters: Mapping[str, Any]) -> None:
    """INVALID_PARAMETER for the first hyperparameter outside its range."""
    bounds = BOUNDS.get(model_type, {})
    for name, value in hyperparameters.items():
        bound = bounds.get(name)
        if bound is not None and not bound.allows(value):
            shown = list(value) if isinstance(value, tuple) else value
            raise InvalidParameter(
                f"{name}={_json_name(shown)} is outside the range {model_type} allows: "
                f"{bound.describe()}",
                parameter=f"hyperparameters.{name}",
                value=shown,
                **bound.details(),
            )


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _json_name(value: Any) -> str:
    return "null" if value is None else str(value)
