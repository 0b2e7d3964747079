"""``client.sessions``, ``client.ingest`` and EEG models: an external
device's samples pushed through ingest with markers, read back as a
:class:`Recording` (pandas, MNE), exported to a file, and used to train and
query an EEG classifier."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mne
import numpy as np
import pyedflib
import pytest
import pytest_asyncio
from sdk_support import client_for, new_account

from conftest import Stack
from neurogate.client import Client, NotFoundError
from neurogate.server.auth.tiers import Tier

RATE = 128.0
CHANNELS = ["C3", "C4", "P3", "P4"]
#: Class -> (frequency in Hz, channels carrying it).
RHYTHMS = {"left": (10.0, (0, 1)), "right": (20.0, (2, 3))}
TRIALS = ["left", "right"] * 6
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def class_epoch(label: str, rng: np.random.Generator) -> np.ndarray:
    """(samples, channels): a second of the class's rhythm plus noise."""
    frequency, channels = RHYTHMS[label]
    t = np.arange(int(RATE)) / RATE
    values = rng.normal(0, 5, (int(RATE), len(CHANNELS)))
    for channel in channels:
        values[:, channel] += 12 * np.sin(2 * np.pi * frequency * t)
    return values


@dataclass
class Recorded:
    client: Client
    device_id: str
    session_id: str
    samples: np.ndarray
    first_ingest_status: str
    retried_status: str


@pytest_asyncio.fixture(scope="module")
async def recorded(stack: Stack) -> AsyncIterator[Recorded]:
    """One session of labelled trials: a ``cue`` marker, then a second of the
    class's EEG and half a second of noise (enterprise: about 30 calls)."""
    account = await new_account(stack, Tier.ENTERPRISE)
    with client_for(stack.grpc_target, account) as client:
        device = client.devices.register(
            "amplifier", "external", {"sample_rate": RATE, "channels": CHANNELS}
        )
        session = client.sessions.create(
            device_id=device.id, subject_id="sdk-subject", experiment_type="imagery", tags=["sdk"]
        )
        rng = np.random.default_rng(3)
        blocks, statuses = [], []
        for i, label in enumerate(TRIALS):
            client.devices.insert_marker(device.id, "cue", {"label": label})
            block = np.concatenate([class_epoch(label, rng), rng.normal(0, 5, (64, 4))])
            result = client.ingest.neural_data(
                device_id=device.id,
                session_id=session.id,
                data=block,
                sample_rate=RATE,
                channels=CHANNELS,
                timestamp=START + timedelta(seconds=1.5 * i),
                idempotency_key=f"trial-{i}",
            )
            statuses.append(result.status)
            blocks.append(block)
        retried = client.ingest.neural_data(
            device_id=device.id,
            session_id=session.id,
            data=blocks[-1],
            sample_rate=RATE,
            channels=CHANNELS,
            timestamp=START + timedelta(seconds=1.5 * (len(TRIALS) - 1)),
            idempotency_key=f"trial-{len(TRIALS) - 1}",
        )
        client.sessions.stop(session.id)
        yield Recorded(
            client, device.id, session.id, np.concatenate(blocks), statuses[0], retried.status
        )


def test_ingest_with_an_idempotency_key_stores_a_retried_block_once(recorded: Recorded):
    assert recorded.first_ingest_status == "accepted"
    assert recorded.retried_status == "duplicate"
    session = recorded.client.sessions.get(recorded.session_id)
    assert session.data_points == len(recorded.samples)
    assert session.status in ("stopped", "completed")
    assert session.tags == ["sdk"]
    assert session.subject_pseudonym and session.subject_pseudonym != "sdk-subject"


def test_sessions_list_filters_by_device(recorded: Recorded):
    listed = recorded.client.sessions.list(device_id=recorded.device_id)
    assert [s.id for s in listed] == [recorded.session_id]
    assert recorded.client.sessions.list(device_id="dev_other") == []


def test_a_recording_holds_the_samples_markers_and_converts_to_pandas_and_mne(
    recorded: Recorded,
):
    recording = recorded.client.sessions.recording(recorded.session_id)
    assert recording.sample_rate == RATE
    assert recording.channel_names == CHANNELS
    np.testing.assert_allclose(recording.samples, recorded.samples, rtol=1e-6, atol=1e-4)
    assert [m.type for m in recording.markers] == ["cue"] * len(TRIALS)
    assert recording.to_pandas().shape == recorded.samples.shape
    raw = recording.to_mne()
    assert isinstance(raw, mne.io.RawArray)
    assert raw.info["sfreq"] == RATE
    assert raw.ch_names == CHANNELS
    np.testing.assert_allclose(raw.get_data().T * 1e6, recording.samples)
    assert list(raw.annotations.description) == ["cue"] * len(TRIALS)
    assert raw.annotations.onset[1] == pytest.approx(1.5)


def test_an_edf_export_is_written_to_the_path_asked(recorded: Recorded, tmp_path: Path):
    written = recorded.client.sessions.export(
        recorded.session_id, format="edf", path=tmp_path / "session.edf"
    )
    assert written == tmp_path / "session.edf"
    with pyedflib.EdfReader(str(written)) as edf:
        assert edf.getSignalLabels() == CHANNELS
        assert edf.getNSamples()[0] == len(recorded.samples)


def test_an_export_of_a_missing_session_raises_and_leaves_no_file(
    recorded: Recorded, tmp_path: Path
):
    target = tmp_path / "missing.csv"
    with pytest.raises(NotFoundError) as raised:
        recorded.client.sessions.export("ses_missing", format="csv", path=target)
    assert raised.value.code == "SESSION_NOT_FOUND"
    assert not target.exists()


def test_an_eeg_classifier_trained_on_the_session_classifies_fresh_epochs(recorded: Recorded):
    model = recorded.client.ml.train_eeg(
        [recorded.session_id], label_key="label", marker_types=["cue"], cv_folds=3
    )
    assert model.kind == "eeg"
    assert model.classes == ["left", "right"]
    assert model.details["epochs"] == len(TRIALS)
    assert model.details["cross_validation"]["folds"] == 3
    for label, seed in (("left", 11), ("right", 12)):
        epoch = class_epoch(label, np.random.default_rng(seed))
        inference = recorded.client.ml.infer(model.id, epoch, sample_rate=RATE)
        assert inference.label == label
        assert sum(inference.probabilities.values()) == pytest.approx(1.0)


def test_a_built_in_model_answers_with_one_of_its_classes(recorded: Recorded):
    signal = np.random.default_rng(5).normal(0, 10, (int(RATE) * 2, 4))
    inference = recorded.client.ml.infer("builtin_mindfulness", signal, sample_rate=RATE)
    assert inference.label in inference.probabilities
    assert inference.model_id == "builtin_mindfulness"


def test_a_deleted_session_is_not_found(recorded: Recorded):
    client = recorded.client
    extra = client.sessions.create(device_id=recorded.device_id)
    client.sessions.stop(extra.id)
    client.sessions.delete(extra.id)
    with pytest.raises(NotFoundError):
        client.sessions.get(extra.id)


def test_to_mne_without_mne_names_the_extra(recorded: Recorded, monkeypatch: pytest.MonkeyPatch):
    recording = recorded.client.sessions.recording(recorded.session_id)
    monkeypatch.setitem(sys.modules, "mne", None)  # what an install without MNE looks like
    with pytest.raises(ImportError, match=r"neurogate\[mne\]"):
        recording.to_mne()
