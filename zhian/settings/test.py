"""Test settings: fast password hashing and tasks that run immediately.

The database is SQLite unless ZHIAN_DATABASE_URL names a PostgreSQL server."""

from zhian.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# SQLite tests use a real file in WAL mode (as in production), not shared-cache memory, so
# concurrency behaves as it will for users; pytest-django suffixes it per xdist worker.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405

# Second factor: tests sign users in with force_login; the compulsory-MFA rule is switched
# on again, with the production role list, by the `mfa_enforced` fixture of
# tests/core/security (a user who bound a device is asked for it either way).
ZHIAN_MFA_REQUIRED = False
