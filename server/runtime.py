"""Everything a running server holds: settings, database, credentials, rate
limiter, compute pool, stores, devices, sessions and models, built and torn down in
one place."""

from __future__ import annotations

from dataclasses import dataclass

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.credentials import CredentialService
from neurogate.server.auth.throttle import CredentialThrottle, ThrottlePolicy
from neurogate.server.auth.tokens import TokenService
from neurogate.server.compute import ComputePool
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.devices.manager import DeviceManager
from neurogate.server.devices.store import DeviceStore
from neurogate.server.keys import (
    load_model_key,
    load_pseudonym_key,
    load_signing_key,
    load_webhook_key,
)
from neurogate.server.ml.store import ModelStore
from neurogate.server.ratelimit import RateLimiter, create_rate_limiter
from neurogate.server.sessions.manager import SessionManager
from neurogate.server.sessions.pseudonyms import Pseudonymizer
from neurogate.server.sessions.store import SessionStore
from neurogate.server.settings import JWT_AUDIENCE, JWT_ISSUER, Settings
from neurogate.server.storage.database import Database, DatabaseLimits
from neurogate.server.streaming.hub import BacklogPolicy
from neurogate.server.streaming.slots import StreamSlots
from neurogate.server.webhooks.dispatcher import Dispatcher
from neurogate.server.webhooks.retry import RetryPolicy
from neurogate.server.webhooks.sealing import SecretBox
from neurogate.server.webhooks.store import WebhookStore


@dataclass
class Runtime:
    settings: Settings
    db: Database
    tokens: TokenService
    credentials: CredentialService
    accounts: AccountAdmin
    rate_limiter: RateLimiter
    compute: ComputePool
    datasets: DatasetStore
    devices: DeviceManager
    sessions: SessionManager
    stream_slots: StreamSlots
    models: ModelStore
    #: Signs stored model artifacts (:mod:`neurogate.server.ml.artifacts`).
    model_key: str
    webhooks: WebhookStore
    #: Publishes events to webhooks and runs the delivery loop
    #: (:mod:`neurogate.server.webhooks.dispatcher`).
    dispatcher: Dispatcher

    @classmethod
    async def start(cls, settings: Settings) -> Runtime:
        """Opens the database (upgrading its schema) and the shared services;
        sessions a previous server left recording are marked interrupted."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url, limits=DatabaseLimits.from_settings(settings))
        try:
            await db.migrate()
        except BaseException:
            await db.close()
            raise
        tokens = TokenService(load_signing_key(settings), issuer=JWT_ISSUER, audience=JWT_AUDIENCE)
        compute = ComputePool(settings.compute_workers, time_limit=settings.compute_timeout)
        datasets = DatasetStore(db)
        devices = DeviceManager(
            DeviceStore(db),
            settings.resolved_playback_dir,
            BacklogPolicy(settings.stream_buffer_seconds, settings.stream_give_up_seconds),
            data_dir=settings.data_dir,
        )
        sessions = SessionManager(
            SessionStore(db),
            devices,
            datasets,
            compute,
            Pseudonymizer(load_pseudonym_key(settings)),
        )
        devices.recording_file = sessions.brainflow_file
        devices.is_recording = sessions.is_recording
        await sessions.start()
        webhooks = WebhookStore(db, SecretBox(load_webhook_key(settings)))
        await webhooks.seal_plain_secrets()
        dispatcher = Dispatcher(
            webhooks,
            allow_private=settings.webhook_allow_private,
            retry=RetryPolicy(base_seconds=settings.webhook_retry_base_seconds),
            poll_seconds=settings.webhook_poll_seconds,
        )
        rate_limiter = create_rate_limiter(settings.redis_url)
        throttle = CredentialThrottle(
            rate_limiter,
            ThrottlePolicy(
                settings.auth_failures_per_name,
                settings.auth_failures_per_address,
                settings.auth_failure_window_seconds,
            ),
        )
        runtime = cls(
            settings=settings,
            db=db,
            tokens=tokens,
            credentials=CredentialService(db, tokens, settings.access_token_ttl, throttle),
            accounts=AccountAdmin(db),
            rate_limiter=rate_limiter,
            compute=compute,
            datasets=datasets,
            devices=devices,
            sessions=sessions,
            stream_slots=StreamSlots(),
            models=ModelStore(db),
            model_key=load_model_key(settings),
            webhooks=webhooks,
            dispatcher=dispatcher,
        )
        dispatcher.start()
        return runtime

    async def end_streams(self) -> None:
        """Commits and closes recordings, then ends every live stream in-band
        (reason server_shutdown) and releases the boards."""
        await self.sessions.close()
        await self.devices.close()

    async def close(self) -> None:
        await self.dispatcher.close(grace=min(self.settings.shutdown_grace, 10.0))
        # Calls had their grace in the gRPC server's stop, and those it then
        # cancelled have had their workers killed: only work outside a call
        # may still run here, and it gets the same grace before its kill.
        await self.compute.drain(grace=self.settings.shutdown_grace)
        self.compute.close()
        await self.rate_limiter.close()
        await self.db.close()
