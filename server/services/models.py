"""ModelService: training, storing and using models.

Tabular models are trained on a dataset's table (:mod:`neurogate.server.ml`)
in a compute worker; EEG models on recorded sessions. Models are stored
signed (:mod:`neurogate.server.ml.artifacts`) and loaded by the workers that
predict with them (:func:`load_model`).
"""

from __future__ import annotations

from neurogate.server.compute import ComputePool
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.ml.store import ModelStore
from neurogate.server.sessions.manager import SessionManager
from neurogate.v1 import model_pb2_grpc


class ModelServicer(model_pb2_grpc.ModelServiceServicer):
    def __init__(
        self,
        datasets: DatasetStore,
        models: ModelStore,
        sessions: SessionManager,
        compute: ComputePool,
        database_url: str,
        model_key: str,
    ) -> None:
        self._datasets = datasets
        self._models = models
        self._sessions = sessions
        self._compute = compute
        self._database_url = database_url
        self._model_key = model_key
