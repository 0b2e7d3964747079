"""Sealed model artifacts: a model comes back only from bytes this server
sealed under its key; anything else is refused before it is unpickled."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from neurogate.server.errors import InternalError
from neurogate.server.ml.artifacts import seal, unseal

KEY = "model-key-" + "k" * 32


class _Explodes:
    """Unpickling it would run code: proof that refused bytes are never unpickled."""

    def __reduce__(self):
        return (pytest.fail, ("a refused artifact was unpickled",))


def test_a_sealed_model_comes_back_and_predicts_the_same():
    x = np.arange(20.0).reshape(10, 2)
    model = LinearRegression().fit(x, x @ [2.0, -1.0] + 3)

    restored = unseal(seal(model, KEY), KEY)

    assert np.array_equal(restored.predict(x), model.predict(x))


def test_an_artifact_sealed_under_another_key_is_refused():
    with pytest.raises(InternalError, match="integrity check"):
        unseal(seal({"weights": [1, 2]}, "another-key-" + "x" * 32), KEY)


def test_a_changed_artifact_is_refused_without_being_unpickled():
    sealed = seal({"weights": [1, 2]}, KEY)
    header = len(sealed) - len(pickle.dumps({"weights": [1, 2]}, protocol=5))
    forged = sealed[:header] + pickle.dumps(_Explodes())

    with pytest.raises(InternalError):
        unseal(forged, KEY)


@pytest.mark.parametrize("artifact", [b"", b"ngm1", pickle.dumps(_Explodes())])
def test_bytes_the_server_never_sealed_are_refused(artifact):
    with pytest.raises(InternalError):
        unseal(artifact, KEY)
