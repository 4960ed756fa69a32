"""Migrations with yoyo: the event store's own tables first, then the service's `sql/`."""

from __future__ import annotations

from pathlib import Path

from yoyo import get_backend, read_migrations

EVENTSTORE_SQL = Path(__file__).parent / "sql"


def _yoyo_url(database_url: str) -> str:
    scheme, rest = database_url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else database_url


def apply_migrations(database_url: str, *service_sql_dirs: Path) -> list[str]:
    """Apply pending migrations; return the ids applied (empty when up to date)."""
    backend = get_backend(_yoyo_url(database_url))
    migrations = read_migrations(str(EVENTSTORE_SQL), *(str(d) for d in service_sql_dirs))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]
