"""Everything a running server holds: settings, database, credentials, rate
limiter, compute pool and stores, built and torn down in one place."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from neurogate.server.auth.accounts import AccountAdmin
from neurogate.server.auth.credentials import CredentialService
from neurogate.server.auth.signing_key import load_signing_key
from neurogate.server.auth.tokens import TokenService
from neurogate.server.compute import ComputePool
from neurogate.server.datasets.store import DatasetStore
from neurogate.server.ratelimit import RateLimiter, create_rate_limiter
from neurogate.server.settings import JWT_AUDIENCE, JWT_ISSUER, Settings
from neurogate.server.storage.database import Database


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

    @classmethod
    async def start(cls, settings: Settings) -> Runtime:
        """Opens the database (upgrading its schema) and the shared services."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        try:
            await db.migrate()
        except BaseException:
            await db.close()
            raise
        tokens = TokenService(load_signing_key(settings), issuer=JWT_ISSUER, audience=JWT_AUDIENCE)
        return cls(
            settings=settings,
            db=db,
            tokens=tokens,
            credentials=CredentialService(db, tokens, settings.access_token_ttl),
            accounts=AccountAdmin(db),
            rate_limiter=create_rate_limiter(settings.redis_url),
            compute=ComputePool(settings.compute_workers),
            datasets=DatasetStore(db),
        )

    async def close(self) -> None:
        await asyncio.to_thread(self.compute.close)
        await self.rate_limiter.close()
        await self.db.close()
