"""Settings from environment variables.

MERITFLOW_ENV selects a profile: ``production`` (default: DEBUG off, SECRET_KEY and
ALLOWED_HOSTS required), ``development`` (what the run command uses) or ``test``.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MERITFLOW_VAR_DIR", BASE_DIR / "var"))

PROFILE = os.environ.get("MERITFLOW_ENV", "production")
if PROFILE not in {"production", "development", "test"}:
    raise ImproperlyConfigured(f"MERITFLOW_ENV must be production, development or test, not {PROFILE!r}")
IS_PRODUCTION = PROFILE == "production"


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", PROFILE == "development")

SECRET_KEY = os.environ.get("SECRET_KEY")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production (MERITFLOW_ENV=production).")
    SECRET_KEY = f"insecure-{PROFILE}-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "rulebook",
    "permissions",
    "workdays",
    "records",
    "workflows",
    "documents",
    "notices",
    "awards",
    "secondments",
    "promotions",
    "workspace",
    "supervision",
    "quotas",
    "talks",
    "rotation",
    "grassroots",
    "stats",
    "webapp",
    "demo",
    "axes",  # login lockout (webapp/security.py); its models hold the failed attempts
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "webapp.middleware.ChineseFirstLocaleMiddleware",
    "webapp.middleware.UnstorableInputMiddleware",  # NUL / lone surrogates in query or form: 400
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "webapp.security.SessionIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a login refused by the lockout into the lockout page (webapp.security.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "webapp.urls"
WSGI_APPLICATION = "webapp.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'meritflow.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing at once (timeout: SQLite's busy timeout,
    # 20 s); IMMEDIATE takes the write lock at BEGIN so two completions serialise cleanly (the
    # version check catches the loser). Every connection runs in WAL mode (readers and the one
    # writer do not block each other; a commit appends to the -wal file) with synchronous=FULL:
    # the WAL is fsynced at every commit, so a committed step (a document number, an approval)
    # survives a power loss; NORMAL would fsync at checkpoints only and could lose the last
    # commits (README, "SQLite"; tests/test_sqlite_settings.py).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
    # A runaway query is cancelled by the server instead of holding a worker and its locks.
    # Sent as a startup option; DB_STATEMENT_TIMEOUT=0 sends none (behind PgBouncer in
    # transaction mode, which refuses it: set it on the role instead, README "Connection pooling").
    _statement_timeout_ms = int(float(os.environ.get("DB_STATEMENT_TIMEOUT") or "30") * 1000)
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    if _statement_timeout_ms > 0:
        _options["options"] = f"{_options.get('options', '')} -c statement_timeout={_statement_timeout_ms}".strip()
    # JIT compilation pays off for long analytic queries, not for these pages: at 1,000,000 cases it
    # cost 30–650 ms per statement of the alerts and statistics pages (bench/results/supervision.txt).
    # DB_JIT=server leaves it to the role or server (behind PgBouncer: ALTER ROLE … SET jit = off).
    if os.environ.get("DB_JIT", "off") != "server":
        _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
    # Prepared statements with generic plans: PostgreSQL plans a page's joins once per connection
    # instead of on every request — planning was most of its CPU (workbench 6.4 → 1.6 ms, API
    # inbox 10.3 → 1.3 ms per request; bench/README.md §5d). psycopg binds on the server and
    # prepares a statement on its 5th execution; the plans are generic (plan_cache_mode), not
    # re-planned per value. DB_PREPARED_STATEMENTS: generic (default); role — the same without
    # the startup option, for PgBouncer ≥ 1.21 (max_prepared_statements) with the plan cache mode
    # set on the role; off — client-side binding, nothing prepared (older poolers).
    _prepared = os.environ.get("DB_PREPARED_STATEMENTS", "generic")
    if _prepared not in ("generic", "role", "off"):
        raise ImproperlyConfigured(f"DB_PREPARED_STATEMENTS={_prepared!r}: generic, role or off")
    if _prepared != "off":
        _options["server_side_binding"] = True
        _options["prepare_threshold"] = 5
    if _prepared == "generic":
        _options["options"] = f"{_options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
    # Behind PgBouncer in transaction mode a server-side cursor (QuerySet.iterator()) cannot
    # outlive its transaction's server connection: DB_DISABLE_SERVER_SIDE_CURSORS=1 there.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DB_DISABLE_SERVER_SIDE_CURSORS", False)
    # A persistent connection is checked before a request reuses it, so a database restart or a
    # failover costs no worker a failed request (one cheap round trip per request).
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Shared by every application server (the API throttle counters live here): a table in the
# database, made by `manage.py createcachetable` (scripts/run; the test database gets it from
# Django's test setup). The per-process default (locmem) would give each server its own counts.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "meritflow_cache",
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user name or address before any password is checked.
    "webapp.security.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

# For passwords people choose (admin, changing one's password); the demo loader sets its
# passwords directly and is not validated.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login protection (django-axes, webapp/security.py) ---
# A user name, or a client address, with AXES_FAILURE_LIMIT failed logins (web page, admin or
# API token) is refused for the cool-off, even with the right password; every attempt during
# the lockout starts the cool-off again. Attempts are rows in the database, so all
# application servers count together.
AXES_FAILURE_LIMIT = int(os.environ.get("MERITFLOW_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=float(os.environ.get("MERITFLOW_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
# A user name locks at AXES_FAILURE_LIMIT; an address (a whole office behind one gateway) at its own, higher limit.
AXES_HANDLER = "webapp.security.OfficeAddressHandler"
MERITFLOW_LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("MERITFLOW_LOGIN_ADDRESS_FAILURE_LIMIT", "30"))
AXES_CLIENT_IP_CALLABLE = "webapp.security.client_address"
AXES_LOCKOUT_CALLABLE = "webapp.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = False  # a login with one's own account must not wipe the guesses at others from that address
AXES_VERBOSE = False  # no banner at every start of manage.py; failures and lockouts are still logged
# Client addresses: REMOTE_ADDR, unless this many reverse proxies (that append to
# X-Forwarded-For) stand in front of the application; then the address the nearest trusted
# proxy saw. 0 (default): X-Forwarded-For is ignored, so a client cannot choose its address.
MERITFLOW_TRUSTED_PROXIES = int(os.environ.get("MERITFLOW_TRUSTED_PROXIES", os.environ.get("MERITFLOW_API_NUM_PROXIES") or "0"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if IS_PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)

# --- Sessions: an idle timeout instead of Django's 14 days ---
# A session ends MERITFLOW_SESSION_IDLE_MINUTES after the last request; webapp.security's
# middleware renews it at most every MERITFLOW_SESSION_REFRESH_SECONDS (not a write per request).
SESSION_COOKIE_AGE = int(float(os.environ.get("MERITFLOW_SESSION_IDLE_MINUTES", "120")) * 60)
MERITFLOW_SESSION_REFRESH_SECONDS = int(os.environ.get("MERITFLOW_SESSION_REFRESH_SECONDS", "300"))

# --- HTTPS (production) ---
# MERITFLOW_HTTPS=0 switches all of it off for a deployment served over plain HTTP (an
# intranet without TLS, a benchmark): no redirect, no HSTS, cookies without the secure flag.
# The older SECURE_COOKIES=0 means the same when MERITFLOW_HTTPS is not set.
HTTPS = IS_PRODUCTION and env_bool("MERITFLOW_HTTPS", env_bool("SECURE_COOKIES", True))
if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_SSL_REDIRECT = HTTPS
    # One year of HSTS for this host and its subdomains (nothing under the application's host
    # name is served over plain HTTP). Preloading is off: it binds the whole registrable domain
    # (e.g. a department's gov.cn domain) in browsers for months and is the domain owner's
    # decision, made at hstspreload.org — MERITFLOW_HSTS_PRELOAD=1 sends the directive once made.
    SECURE_HSTS_SECONDS = int(os.environ.get("MERITFLOW_HSTS_SECONDS", "31536000")) if HTTPS else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("MERITFLOW_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("MERITFLOW_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]  # preload decided against, see above
# Behind a proxy that terminates TLS: the header it sets on HTTPS requests, e.g.
# "X-Forwarded-Proto" (value https) or "X-Forwarded-Proto=https". Only set it when the proxy
# always sets or strips that header; otherwise a client could claim HTTPS.
if os.environ.get("MERITFLOW_PROXY_SSL_HEADER"):
    _header, _sep, _value = os.environ["MERITFLOW_PROXY_SSL_HEADER"].partition("=")
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _header.strip().upper().replace("-", "_"), _value.strip() or "https")

# --- MeritFlow ---
# Where the BPMN/DMN files live (deploy_processes reads every file here).
MERITFLOW_BPMN_DIR = Path(os.environ.get("MERITFLOW_BPMN_DIR", BASE_DIR / "bpmn"))
# The timer worker's --now override (fast-forwarding a notice period) is for demos and tests only.
MERITFLOW_ALLOW_CLOCK_OVERRIDE = env_bool("MERITFLOW_ALLOW_CLOCK_OVERRIDE", not IS_PRODUCTION)
# The absolute address printed in the QR code of issued documents (their verification page).
MERITFLOW_PUBLIC_URL = os.environ.get("MERITFLOW_PUBLIC_URL", "http://127.0.0.1:8000")
# Seconds the worker sleeps between rounds.
MERITFLOW_WORKER_INTERVAL = float(os.environ.get("MERITFLOW_WORKER_INTERVAL", "10"))
# Limits the expression sandbox reads (time in seconds, size), for scripts and expressions in diagrams.
MERITFLOW_SCRIPT_TIME_LIMIT = float(os.environ.get("MERITFLOW_SCRIPT_TIME_LIMIT", "1.0"))
MERITFLOW_SCRIPT_SIZE_LIMIT = int(os.environ.get("MERITFLOW_SCRIPT_SIZE_LIMIT", "10000000"))
# What one upload may cost (issue 13 "Bad input"): attachments, and Excel imports of records.
MERITFLOW_ATTACHMENT_MAX_BYTES = int(os.environ.get("MERITFLOW_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
MERITFLOW_ATTACHMENTS_PER_CASE = int(os.environ.get("MERITFLOW_ATTACHMENTS_PER_CASE", "50"))
MERITFLOW_IMPORT_MAX_BYTES = int(os.environ.get("MERITFLOW_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
MERITFLOW_IMPORT_MAX_ROWS = int(os.environ.get("MERITFLOW_IMPORT_MAX_ROWS", "20000"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # SpiffWorkflow logs every task's every state change at INFO (~80 lines a merit case): the
    # engine's own trace, not an event of the case (those are the history). Warnings still show.
    "loggers": {"spiff": {"level": os.environ.get("SPIFF_LOG_LEVEL", "WARNING")}},
}

if PROFILE == "test":
    # Hashing dominates test setup otherwise; production keeps Django's default (PBKDF2).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- REST API (api/, issue 5) ---
INSTALLED_APPS += [
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "api",
]
REST_FRAMEWORK = {
    # Token first: an unauthenticated request is answered 401 with ``WWW-Authenticate: Token``.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON that refuses text no column can hold (NUL, lone surrogates) as field errors (issue 13).
    "DEFAULT_PARSER_CLASSES": ["api.parsers.CleanJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    # Rates of the scoped throttles (api/throttling.py, read on every request).
    "DEFAULT_THROTTLE_RATES": {
        "auth_token": os.environ.get("MERITFLOW_API_TOKEN_RATE", "10/min"),  # per client address
        "auth_token_username": os.environ.get("MERITFLOW_API_TOKEN_USER_RATE", "10/min"),  # per user name
        "document_verify": os.environ.get("MERITFLOW_API_VERIFY_RATE", "60/min"),
    },
    # The same client address as the login lockout (MERITFLOW_TRUSTED_PROXIES; api/throttling.py
    # reads that setting itself). DRF's default (None) would take X-Forwarded-For as sent.
    "NUM_PROXIES": MERITFLOW_TRUSTED_PROXIES,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MeritFlow API",
    "DESCRIPTION": "干部人事审批 REST API：发起案件、办理待办、查询干部与文书。错误统一为 JSON：code（机器可读）与 message（中文提示）。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",  # assets from drf-spectacular-sidecar's static files, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "permissions.roles.Role",
        "InstanceStatusEnum": "workflows.models.InstanceStatus",
        "DocumentKindEnum": "documents.models.DocumentKind",
        "VerificationStatusEnum": "api.serializers.VERIFICATION_STATUSES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.open_form_bodies",
    ],
}
