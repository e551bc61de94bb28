"""Settings shared by every deployment. Everything secret or site-specific comes from the
environment (``ZHIAN_*``); development defaults are safe and refuse to run with DEBUG off."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from zhian.settings.database import database_config

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(os.environ.get("ZHIAN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


DEV_SECRET_KEY = "zhian-development-only-not-secret"
DEBUG = env_bool("ZHIAN_DEBUG", True)
SECRET_KEY = os.environ.get("ZHIAN_SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = [
    h for h in os.environ.get("ZHIAN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

if not DEBUG:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured(
            "ZHIAN_SECRET_KEY must be set to a random value of 40+ characters when DEBUG is off"
        )
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "zhian.core",
    "zhian.dispatch",
    "zhian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "zhian.core.middleware.RequestIdMiddleware",
    "zhian.core.middleware.IdleSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zhian.urls"
WSGI_APPLICATION = "zhian.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "zhian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhian.core.context_processors.site",
                "zhian.core.context_processors.inbox",
            ],
        },
    },
]

DATABASES = {
    "default": database_config(os.environ.get("ZHIAN_DATABASE_URL"), VAR_DIR / "zhian.sqlite3")
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work: Django's tasks API (backport) on the same database, no broker.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Queued once a day by `manage.py enqueue_housekeeping` (cron); each app adds its own.
# The worker counts as down (healthz, the board's banner) when a ready task has waited
# longer than this.
ZHIAN_WORKER_STALE_SECONDS = int(os.environ.get("ZHIAN_WORKER_STALE_SECONDS", "120"))
ZHIAN_DAILY_TASKS = [
    "zhian.core.tasks.prune_idempotency_keys",
    "zhian.core.tasks.prune_failed_logins",
    "zhian.core.tasks.export_audit_head",
    "zhian.core.tasks.enforce_retention",
    "zhian.dispatch.tasks.prune_unit_positions",
    "zhian.dispatch.tasks.prune_board_changes",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Sessions: absolute lifetime 12 h, idle timeout 30 min (enforced by IdleSessionMiddleware).
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
ZHIAN_SESSION_IDLE_SECONDS = int(os.environ.get("ZHIAN_SESSION_IDLE_SECONDS", 30 * 60))
# Login throttling: this many failures for one account or one address within the window lock it.
ZHIAN_LOGIN_MAX_FAILURES = 5
ZHIAN_LOGIN_LOCKOUT_SECONDS = 15 * 60

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "zhian" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("ZHIAN_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "zhian" / "static"]

# Map: tile URL template for Leaflet; empty means a plain background (no external server).
ZHIAN_MAP_TILE_URL = os.environ.get("ZHIAN_MAP_TILE_URL", "")
ZHIAN_MAP_TILE_ATTRIBUTION = os.environ.get("ZHIAN_MAP_TILE_ATTRIBUTION", "")
# Where the project's shared real data sets live (demo bureau, benchmarks).
ZHIAN_SHARED_DATA = Path(os.environ.get("ZHIAN_SHARED_DATA", BASE_DIR.parent / "shared" / "data"))
# Exported audit-chain head, so that a truncated tail is detectable.
# `manage.py backup` writes here by default (copy it off the machine: docs/operations.md);
# pg_dump/pg_restore are taken from ZHIAN_PG_BIN.
ZHIAN_BACKUP_DIR = Path(os.environ.get("ZHIAN_BACKUP_DIR", VAR_DIR / "backups"))
ZHIAN_PG_BIN = Path(os.environ.get("ZHIAN_PG_BIN", "/usr/lib/postgresql/15/bin"))
ZHIAN_AUDIT_HEAD_FILE = Path(os.environ.get("ZHIAN_AUDIT_HEAD_FILE", VAR_DIR / "audit-head.json"))
# Core kernel (attachments, spreadsheet imports, notifications). Uploaded files live under
# MEDIA_ROOT and are never served from a public URL (no MEDIA_URL route): an app view returns
# them after its own permission check.
MEDIA_ROOT = Path(os.environ.get("ZHIAN_MEDIA_ROOT", VAR_DIR / "media"))
ZHIAN_ATTACHMENT_MAX_BYTES = int(os.environ.get("ZHIAN_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
ZHIAN_IMPORT_MAX_ROWS = int(os.environ.get("ZHIAN_IMPORT_MAX_ROWS", 5000))
# External messages (SMS …): dotted path of a zhian.core.notifications.Notifier subclass.
ZHIAN_NOTIFIER = os.environ.get("ZHIAN_NOTIFIER", "zhian.core.notifications.OutboxNotifier")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ZHIAN_LOG_LEVEL", "INFO")},
}

# Dispatch (接处警): road network for travel times (an OSM .pbf or a cached .npz); empty
# means straight-line estimates, said so in every recommendation.
ZHIAN_ROAD_NETWORK = os.environ.get("ZHIAN_ROAD_NETWORK", "")
ZHIAN_DETOUR_FACTOR = float(os.environ.get("ZHIAN_DETOUR_FACTOR", "1.4"))
# A new incident this close in space and time to an open one of a related category is
# offered as a probable duplicate.
ZHIAN_DUPLICATE_RADIUS_M = float(os.environ.get("ZHIAN_DUPLICATE_RADIUS_M", "300"))
ZHIAN_DUPLICATE_MINUTES = int(os.environ.get("ZHIAN_DUPLICATE_MINUTES", "30"))
# AVL position history is kept this many days (the unit's latest position stays).
ZHIAN_AVL_RETENTION_DAYS = int(os.environ.get("ZHIAN_AVL_RETENTION_DAYS", "90"))
# Callers' names and phones are erased from incidents closed this many days ago (0 keeps
# them); the incidents and their counts stay. Other apps add their periods (retention.py).
ZHIAN_RETENTION_CALLER_DAYS = int(os.environ.get("ZHIAN_RETENTION_CALLER_DAYS", "180"))
# The live board's change log is kept this many hours (a board idle longer reloads).
ZHIAN_BOARD_CHANGE_HOURS = int(os.environ.get("ZHIAN_BOARD_CHANGE_HOURS", "24"))
# Per-process caches. "coverage" holds a few 1-3-5 coverage results (each carries the
# covered road segments as GeoJSON), so its size is capped.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "coverage": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "coverage",
        "OPTIONS": {"MAX_ENTRIES": 16},
    },
}
# Location history on the incident page: earlier incidents within this radius and period.
ZHIAN_HISTORY_RADIUS_M = float(os.environ.get("ZHIAN_HISTORY_RADIUS_M", "50"))
ZHIAN_HISTORY_DAYS = int(os.environ.get("ZHIAN_HISTORY_DAYS", "365"))
