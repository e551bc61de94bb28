"""Test settings: fast password hashing and tasks that run immediately.

The database is SQLite unless ZHIAN_DATABASE_URL names a PostgreSQL server."""

from zhian.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# SQLite tests use a real file in WAL mode (as in production), not shared-cache memory, so
# concurrency behaves as it will for users; pytest-django suffixes it per xdist worker.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
