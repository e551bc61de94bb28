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
    "zhian.core.admin_site.ZhianAdminConfig",  # django.contrib.admin, audited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "zhian.core",
    "zhian.dispatch",
    "zhian.records",
    "zhian.grid",
    "zhian.services",
    "zhian.insights",
    "zhian.metrics",
    "zhian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "zhian.core.middleware.RefuseNulMiddleware",
    "csp.middleware.CSPMiddleware",
    "zhian.core.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zhian.core.middleware.RequestIdMiddleware",
    "zhian.core.middleware.IdleSessionMiddleware",
    "zhian.core.middleware.MfaRequiredMiddleware",
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
                "zhian.core.context_processors.roles",
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
    "zhian.grid.tasks.remind_follow_up_visits",
    "zhian.grid.tasks.generate_inspection_tasks",
    "zhian.services.tasks.send_appointment_reminders",
    "zhian.services.tasks.erase_expired_contacts",
    "zhian.services.tasks.prune_rate_counters",
    "zhian.insights.tasks.prune_near_repeat_alerts",
    "zhian.insights.tasks.weekly_forecasts",
    "zhian.insights.tasks.fail_stale_forecasts",
    "zhian.metrics.tasks.generate_reports",
    "zhian.dispatch.tasks.prune_board_changes",
]
# Queued every few minutes by `manage.py enqueue_housekeeping --frequent`.
ZHIAN_FREQUENT_TASKS = [
    "zhian.records.tasks.scan_case_deadlines",
    "zhian.grid.tasks.scan_overdue_referrals",
    "zhian.services.tasks.sync_forwarded_reports",
    "zhian.insights.tasks.scan_near_repeat_alerts",
    "zhian.metrics.tasks.refresh_summaries",
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
# Every log-on path counts (the staff page, the admin site, which uses it, and MFA codes).
ZHIAN_LOGIN_MAX_FAILURES = 5
ZHIAN_LOGIN_LOCKOUT_SECONDS = 30 * 60

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

# 便民服务 (citizen services): the public portal at /s/, Open311 at /open311/v2/.
# Absolute base of links sent to citizens (survey links in notifications).
ZHIAN_PORTAL_BASE_URL = os.environ.get("ZHIAN_PORTAL_BASE_URL", "http://127.0.0.1:8000")
# A citizen's phone is kept this many days after their request is finished, then erased
# by the erase_expired_contacts task (statistics stay).
ZHIAN_CONTACT_RETENTION_DAYS = int(os.environ.get("ZHIAN_CONTACT_RETENTION_DAYS", "180"))
# SLAs: a report is accepted (受理) within hours, a consultation answered within hours, a
# complaint about policing concluded and answered within days.
ZHIAN_REPORT_ACCEPT_HOURS = int(os.environ.get("ZHIAN_REPORT_ACCEPT_HOURS", "24"))
ZHIAN_CONSULTATION_SLA_HOURS = int(os.environ.get("ZHIAN_CONSULTATION_SLA_HOURS", "72"))
ZHIAN_COMPLAINT_DAYS = int(os.environ.get("ZHIAN_COMPLAINT_DAYS", "30"))
# A 回访 survey link is valid this many days (and once).
ZHIAN_SURVEY_VALID_DAYS = int(os.environ.get("ZHIAN_SURVEY_VALID_DAYS", "7"))
# Portal rate limits, {scope: (requests, seconds)}: per client address and per phone.
ZHIAN_PORTAL_RATE_LIMITS = {
    "report_ip": (int(os.environ.get("ZHIAN_PORTAL_REPORTS_PER_IP_HOUR", "20")), 3600),
    "report_phone": (int(os.environ.get("ZHIAN_PORTAL_REPORTS_PER_PHONE_DAY", "5")), 86400),
    "book_ip": (30, 3600),
    "book_phone": (5, 86400),
    "consult_ip": (20, 3600),
    "consult_phone": (5, 86400),
    "complaint_ip": (10, 3600),
    "complaint_phone": (3, 86400),
    "track_ip": (int(os.environ.get("ZHIAN_PORTAL_LOOKUPS_PER_IP_HOUR", "60")), 3600),
}
# Photos on online reports: at most this many, each at most this many bytes.
ZHIAN_REPORT_MAX_PHOTOS = 3
ZHIAN_REPORT_PHOTO_MAX_BYTES = int(os.environ.get("ZHIAN_REPORT_PHOTO_MAX_BYTES", str(5 * 2**20)))
# Records (案件): the 6-digit bureau code in case numbers (A/X + code + year + sequence),
# per bureau jurisdiction code as "DEMO=330203,B2=330204" or one code for every bureau;
# a case without progress for this many days shows on the supervisor's board.
ZHIAN_CASE_BUREAU_CODE = os.environ.get("ZHIAN_CASE_BUREAU_CODE", "330203")
ZHIAN_CASE_BUREAU_CODES = dict(
    item.split("=", 1)
    for item in os.environ.get("ZHIAN_CASE_BUREAU_CODES", "").split(",")
    if "=" in item
)
ZHIAN_CASE_STALE_DAYS = int(os.environ.get("ZHIAN_CASE_STALE_DAYS", "15"))
# Largest evidence file (photo, scan, PDF/Office document) accepted, in bytes.
ZHIAN_EVIDENCE_MAX_BYTES = int(os.environ.get("ZHIAN_EVIDENCE_MAX_BYTES", 20 * 1024 * 1024))
# Grid governance (网格治理, 吹哨报到): an overdue referral is reminded when its clock runs
# out, escalated one jurisdiction level up this many hours later, and one more level up
# after as many hours again. The overdue scan is a frequent task (ZHIAN_FREQUENT_TASKS).
ZHIAN_GRID_ESCALATE_AFTER_HOURS = float(os.environ.get("ZHIAN_GRID_ESCALATE_AFTER_HOURS", "24"))
ZHIAN_GRID_ESCALATION_LEVELS = int(os.environ.get("ZHIAN_GRID_ESCALATION_LEVELS", "2"))
# Dispute risk: repeated calls about a place are incidents of these category code prefixes
# (02 治安, 05 纠纷) within this radius and period.
ZHIAN_GRID_REPEAT_RADIUS_M = float(os.environ.get("ZHIAN_GRID_REPEAT_RADIUS_M", "200"))
ZHIAN_GRID_REPEAT_DAYS = int(os.environ.get("ZHIAN_GRID_REPEAT_DAYS", "90"))
ZHIAN_GRID_REPEAT_CATEGORIES = os.environ.get("ZHIAN_GRID_REPEAT_CATEGORIES", "02,05").split(",")
# Photos on grid reports are resized in the phone's browser; this caps each one anyway.
ZHIAN_GRID_PHOTO_MAX_BYTES = int(os.environ.get("ZHIAN_GRID_PHOTO_MAX_BYTES", 3 * 1024 * 1024))
# Insights (研判): stored forecasts, near-repeat alerts, patrol plans (docs/insights.md).
# Forecasts read this many days of incidents; the weekly job (weekly_forecasts, queued daily,
# refreshing each scope once its last forecast is a week old) forecasts a category once
# it has this many incidents in that window. Alerts: queue scan_near_repeat_alerts as often
# as alerts should follow incidents (cron, e.g. every 15 minutes); daily at least.
ZHIAN_FORECAST_DATA_DAYS = int(os.environ.get("ZHIAN_FORECAST_DATA_DAYS", "730"))
ZHIAN_FORECAST_MIN_EVENTS = int(os.environ.get("ZHIAN_FORECAST_MIN_EVENTS", "50"))
# Near-repeat bands used until a bureau calibrates its own (Knox test on its incidents):
# category code -> radius (m), days, risk ratio. Burglary (0105) from Toronto 2019.
ZHIAN_NEAR_REPEAT_DEFAULTS = {"0105": {"radius_m": 200.0, "days": 14.0, "ratio": 1.41}}
ZHIAN_NEAR_REPEAT_MIN_EVENTS = int(os.environ.get("ZHIAN_NEAR_REPEAT_MIN_EVENTS", "100"))
ZHIAN_ALERT_RETENTION_DAYS = int(os.environ.get("ZHIAN_ALERT_RETENTION_DAYS", "90"))
# Patrol plans: shifts (local start, end), the dose cap (largest share of a week's patrol
# time one area may get), candidate cells taken from the forecast, solver time limit.
ZHIAN_SHIFTS = {"day": ("08:00", "20:00"), "night": ("20:00", "08:00")}
ZHIAN_PATROL_CAP_SHARE = float(os.environ.get("ZHIAN_PATROL_CAP_SHARE", "0.2"))
ZHIAN_PATROL_MAX_CANDIDATES = int(os.environ.get("ZHIAN_PATROL_MAX_CANDIDATES", "300"))
ZHIAN_PATROL_SOLVER_SECONDS = float(os.environ.get("ZHIAN_PATROL_SOLVER_SECONDS", "2"))
# The public patrol report (巡防公开报告) shows a week this many days after it ends, so it
# never tells where patrols are now.
ZHIAN_PATROL_REPORT_DELAY_DAYS = int(os.environ.get("ZHIAN_PATROL_REPORT_DELAY_DAYS", "7"))


# Security (issue 13): Content-Security-Policy, production transport headers.
# No template holds inline script or style attributes (zhian/static/zhian/site.js boots each
# page from data-* attributes), so the policy needs no 'unsafe-inline', no nonce and no eval.
# The map tile server, if one is configured, is the only other origin (images only).
def _tile_origin(url: str) -> str | None:
    """``https://{s}.tile.example.org/{z}/{x}/{y}.png`` -> ``https://*.tile.example.org``."""
    from urllib.parse import urlsplit

    if not url:
        return None
    parts = urlsplit(url.replace("{s}", "SUBDOMAIN"))
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured("ZHIAN_MAP_TILE_URL must be an http(s) URL template")
    host = parts.netloc.replace("SUBDOMAIN", "*")
    return f"{parts.scheme}://{host}"


_TILE_ORIGIN = _tile_origin(ZHIAN_MAP_TILE_URL)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # data: for the empty favicon; blob: for photo previews resized in the browser
        # before upload (grid reports); the tile server for map tiles.
        "img-src": ["'self'", "data:", "blob:", *([_TILE_ORIGIN] if _TILE_ORIGIN else [])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Features no page uses are switched off for every page. Geolocation is allowed to this
# site only: the grid worker's report form and the citizen portal offer "use my position"
# (a place for the report, read once on the user's click, never tracked).
ZHIAN_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(self), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=()"
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto (ZHIAN_BEHIND_PROXY=1).
    if env_bool("ZHIAN_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("ZHIAN_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer probes over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("ZHIAN_HSTS_SECONDS", 365 * 24 * 3600))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ZHIAN_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("ZHIAN_HSTS_PRELOAD", True)
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# Authentication (CJIS / MLPS level 3): TOTP two-factor for these roles (and all staff of
# the admin site), available to everyone else; API tokens always expire. ZHIAN_MFA_REQUIRED is
# off only in the test settings (tests/core/security turns it back on); never in a deployment.
ZHIAN_MFA_REQUIRED = True
ZHIAN_MFA_ROLES = [
    "administrator",
    "security_administrator",
    "audit_administrator",
    "supervisor",
    "leader",
]
OTP_TOTP_ISSUER = os.environ.get("ZHIAN_OTP_ISSUER", "Zhian")
# Demo only: lets the demo accounts in without a second factor. Honoured only with DEBUG on;
# a production configuration that sets it refuses to start.
ZHIAN_DEMO_WAIVE_MFA = env_bool("ZHIAN_DEMO_WAIVE_MFA", False)
if ZHIAN_DEMO_WAIVE_MFA and not DEBUG:
    raise ImproperlyConfigured("ZHIAN_DEMO_WAIVE_MFA is for the demo: never with DEBUG off")
ZHIAN_TOKEN_MAX_DAYS = int(os.environ.get("ZHIAN_TOKEN_MAX_DAYS", "90"))
# Input contract (zhian.core.schema_types, zhian.core.api_support.input_contract): the
# earliest date any record may carry (before the bureau existed is a typo), how far ahead a
# clock may run, and the API request body cap (per endpoint: api_support.body_limit).
ZHIAN_EARLIEST_DATE = os.environ.get("ZHIAN_EARLIEST_DATE", "2000-01-01")
ZHIAN_FUTURE_MINUTES = int(os.environ.get("ZHIAN_FUTURE_MINUTES", "5"))
# A calendar day in the API (deadlines, appointments, periods) lies at most this many years
# after the current one.
ZHIAN_LATEST_DAY_YEARS = int(os.environ.get("ZHIAN_LATEST_DAY_YEARS", "5"))
ZHIAN_API_MAX_BODY_BYTES = int(os.environ.get("ZHIAN_API_MAX_BODY_BYTES", 64 * 1024))
# KPIs (考核, 六降两升): rates on fewer trials than ZHIAN_METRICS_SMALL_N and count changes on a
# base below ZHIAN_METRICS_SMALL_COUNT are flagged as small numbers on the dashboard, in the
# ranking (张榜) and in reports.
ZHIAN_METRICS_SMALL_N = int(os.environ.get("ZHIAN_METRICS_SMALL_N", "30"))
ZHIAN_METRICS_SMALL_COUNT = int(os.environ.get("ZHIAN_METRICS_SMALL_COUNT", "10"))
