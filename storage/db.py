"""Engine and session factory; one AsyncSession per incoming event or job run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool
from sqlmodel.ext.asyncio.session import AsyncSession

Sessions = async_sessionmaker[AsyncSession]


def make_engine(url: str, *, pool_size: int | None = None, **kwargs: Any) -> AsyncEngine:
    """Create an async engine; SQLite gets foreign keys switched on and a busy timeout.

    `pool_size` connections stay open, and as many again may open for a burst. Without it SQLAlchemy
    keeps 5, and a busy bot (concurrent updates, outbox senders, jobs) would connect and disconnect
    on most transactions beyond them.
    """
    memory = url in ("sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:")
    if pool_size is not None and not memory:
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", pool_size)
    if url.startswith("sqlite"):
        if memory:
            # One shared connection, or every session would see its own empty database.
            kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"timeout": 30})
    engine = create_async_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # WAL lets the CLI write while the bot reads; NORMAL sync in WAL survives a killed process
            # (only a power cut can lose the last commits), and spares an fsync per outbox message.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def make_sessions(engine: AsyncEngine) -> Sessions:
    """Return the session factory; objects stay readable after commit."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def dialect_insert(dialect: str) -> Any:
    """The INSERT construct of this dialect ("postgresql" or "sqlite"): both have ON CONFLICT, which the
    generic insert lacks. Imported on use, so commands that never write start quicker."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
