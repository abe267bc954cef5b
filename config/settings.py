"""sscard settings: everything that differs between machines comes from the environment."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from sscard.common.keys import is_production, secret_key_for
from sscard.common.logs import log_format, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SSCARD_VAR_DIR", BASE_DIR / "var"))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = _env_bool("SSCARD_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# SECRET_KEY and the other production settings: see "production" at the end.

# Django's admin is replaced by one for system administrators only (sscard.staff.admin_site).
# Our apps in the order of their layers, bottom up (pyproject.toml, [tool.importlinter]).
# django_htmx: htmx for the portal (the outlet finder, the reissue guide) and the console (PIN
# pad status, the documents checklist); axes locks a staff sign-in out after repeated failures.
INSTALLED_APPS = [
    "sscard.staff.admin_site.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "sscard.common",
    "sscard.audit",
    "sscard.policy",
    "sscard.outlets",
    "sscard.people",
    "sscard.partners",
    "sscard.notifications",
    "sscard.signin",
    "sscard.cards",
    "sscard.records",
    "sscard.applications",
    "sscard.ecard",
    "sscard.staff",
    "sscard.calls",
    "sscard.background",
    "sscard.metrics",
    "sscard.api",
    "sscard.portal",
    "sscard.console",
    "sscard.kiosk",
    "sscard.voice",
    "sscard.demo",
    "django_htmx",
    "axes",
]

MIDDLEWARE = [
    # The request id (X-Request-ID) of every log record, outbox and audit row of the request,
    # and its access line: first, so that it covers what the others log.
    "sscard.common.requestlog.RequestIdMiddleware",
    # First, so that it times the whole answer: requests, latency and database time per route
    # (it stands alone, and can head any stack).
    "sscard.metrics.middleware.RequestMetricsMiddleware",
    # Believes X-Forwarded-Proto only from proxies of ours (SSCARD_TRUSTED_PROXIES; see
    # "production" below), before anything reads the scheme.
    "sscard.common.http.ForwardedProtoMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer (settings.CONTENT_SECURITY_POLICY).
    "sscard.common.middleware.ContentSecurityPolicyMiddleware",
    # The API (/api/v1/) goes on through API_MIDDLEWARE below, not through the rest of this list.
    "sscard.api.stack.ApiStackMiddleware",
    # Pages only from here on. Static files (collected into STATIC_ROOT) straight from gunicorn,
    # compressed and cached; a proxy in front may serve them itself (docs/deploy.md).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sscard.common.middleware.UnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "sscard.common.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the session and the user, which the error pages show; before any view.
    "sscard.common.middleware.ControlCharactersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]
# The API's own stack, after the shared head of MIDDLEWARE (up to ApiStackMiddleware): bearer
# tokens, no cookies, no forms, so no sessions, CSRF, users, messages, htmx or axes
# (sscard.api.stack; BENCHMARKS.md measures what it saves).
API_MIDDLEWARE = [
    "sscard.api.middleware.ApiProblemsMiddleware",
    "sscard.api.stack.ApiLanguageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_url(url: str) -> dict[str, object]:
    """Parse DATABASE_URL; SQLite gets WAL and immediate write transactions.

    BEGIN IMMEDIATE makes every write transaction take the write lock up front, so two
    writers queue behind each other instead of failing on a lock upgrade.
    """
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # A persistent connection is checked (`SELECT 1`) before a request's first query, so
        # that a restarted server costs no request an error; the hot paths' one-row reads skip
        # the check and read again on a new connection instead (sscard.common.database).
        config["CONN_HEALTH_CHECKS"] = True
        # psycopg prepares a statement on its connection once it has run this many times, but
        # only from a cursor binding its parameters on the server; Django's cursors bind on the
        # client, so this concerns the few reads that ask for such a cursor (the status lookup
        # and the electronic card's verification: sscard.common.database.hot_row).
        # Options given in DATABASE_URL (?sslmode=…) stay, and win.
        options = config.get("OPTIONS")
        config["OPTIONS"] = {
            "prepare_threshold": 5,
            **(options if isinstance(options, dict) else {}),
        }
    # Keep connections open between requests on both: opening one costs about 1 ms of CPU on
    # SQLite (connect, pragmas, reading the schema), a round trip and a fork on PostgreSQL.
    config["CONN_MAX_AGE"] = int(os.environ.get("DATABASE_CONN_MAX_AGE", "60"))
    return config


VAR_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'sscard.sqlite3'}"
DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = os.environ.get("SSCARD_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

LOCALE_PATHS = [BASE_DIR / "locale"]

# Sessions for the portal and the console (secure cookies: see "production" at the end).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("SSCARD_SESSION_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True  # the session lapses after SESSION_COOKIE_AGE of inactivity
LANGUAGE_COOKIE_NAME = "sscard_language"
# A self-service terminal's session ends after this many seconds without a touch, after a
# warning shown for the last KIOSK_WARNING_SECONDS.
KIOSK_IDLE_SECONDS = int(os.environ.get("SSCARD_KIOSK_IDLE_SECONDS", "60"))
KIOSK_WARNING_SECONDS = int(os.environ.get("SSCARD_KIOSK_WARNING_SECONDS", "15"))

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise looks here from the start

# Argon2id cost for PIN hashes (OWASP-recommended floor: 19 MiB, t=2, p=1).
PIN_HASH_TIME_COST = int(os.environ.get("SSCARD_PIN_HASH_TIME_COST", "2"))
PIN_HASH_MEMORY_KIB = int(os.environ.get("SSCARD_PIN_HASH_MEMORY_KIB", "19456"))
PIN_HASH_PARALLELISM = 1

# A TrueType font with Chinese glyphs, embedded in PDFs for citizens (receipts).
CJK_FONT = os.environ.get("SSCARD_CJK_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")

# Key for the check part of receipt numbers; defaults to one derived from SECRET_KEY.
RECEIPT_KEY = os.environ.get("SSCARD_RECEIPT_KEY", "")
# Key for the verification codes of yearly statements; defaults to one derived from SECRET_KEY.
STATEMENT_KEY = os.environ.get("SSCARD_STATEMENT_KEY", "")
# The agency named on yearly statements made for the app and the web (a window names its own).
STATEMENT_ISSUER = os.environ.get("SSCARD_STATEMENT_ISSUER", "社会保险经办机构")

# The yearly statements run (`sscard records statements`): statements per transaction, and how
# long a run with statements left may go without a live task or a statement moving before the
# sweep queues its task again (longer than the slowest transaction of a chunk).
STATEMENT_RUN_CHUNK = int(os.environ.get("SSCARD_STATEMENT_RUN_CHUNK", "200"))
STATEMENT_RUN_STALLED_AFTER_SECONDS = float(
    os.environ.get("SSCARD_STATEMENT_RUN_STALLED_AFTER_SECONDS", "900")
)
# The electronic card: how long a dynamic code lives, and the key that encrypts the signing
# keys kept in the database (defaults to one derived from SECRET_KEY).
ECARD_CODE_SECONDS = int(os.environ.get("SSCARD_ECARD_CODE_SECONDS", "60"))
ECARD_KEY = os.environ.get("SSCARD_ECARD_KEY", "")
# The key of a person's bucket, the distribution key of their data (defaults to one derived from
# SECRET_KEY): set before the first person is recorded, and never changed afterwards.
BUCKET_KEY = os.environ.get("SSCARD_BUCKET_KEY", "")
# The audit key that signs the audit log's checkpoints: a file, never the database (made on
# first use, mode 0600; its public half beside it in `<file>.pub` is all that verifying needs).
AUDIT_KEY_FILE = Path(os.environ.get("SSCARD_AUDIT_KEY_FILE", "") or VAR_DIR / "audit_key")

# Rate limits and other short-lived counters: Redis when REDIS_URL is set, else this process.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("SSCARD_CACHE_PREFIX", "sscard"),
            # A Redis that hangs must not hang sign-in: it fails fast and sign-in answers 503.
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = _env_bool("SSCARD_RATELIMIT_ENABLE", True)

# Background work (Django's Tasks API through the django-tasks backport). The database backend
# needs no broker: `sscard worker` takes tasks from the same database.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("SSCARD_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Citizen sign-in by one-time code (app and portal).
OTP_TTL_SECONDS = int(os.environ.get("SSCARD_OTP_TTL_SECONDS", "300"))
OTP_MAX_TRIES = int(os.environ.get("SSCARD_OTP_MAX_TRIES", "5"))
# Budgets of code requests (what each one counts: sscard/signin/services.py). IPv6 addresses are
# counted per /64.
OTP_RATE_PER_NUMBER = os.environ.get("SSCARD_OTP_RATE_PER_NUMBER", "3/10m")
OTP_RATE_PER_ADDRESS = os.environ.get("SSCARD_OTP_RATE_PER_ADDRESS", "20/h")
OTP_DAILY_PER_ADDRESS = os.environ.get("SSCARD_OTP_DAILY_PER_ADDRESS", "100/d")
OTP_RATE_PER_PERSON = os.environ.get("SSCARD_OTP_RATE_PER_PERSON", "3/10m")
OTP_DAILY_PER_PERSON = os.environ.get("SSCARD_OTP_DAILY_PER_PERSON", "10/d")
OTP_MISMATCH_PER_NUMBER = os.environ.get("SSCARD_OTP_MISMATCH_PER_NUMBER", "10/h")
CITIZEN_TOKEN_TTL_SECONDS = int(os.environ.get("SSCARD_CITIZEN_TOKEN_TTL_SECONDS", "3600"))
# Idempotency keys are kept this long.
IDEMPOTENCY_TTL_HOURS = int(os.environ.get("SSCARD_IDEMPOTENCY_TTL_HOURS", "24"))
# Largest request body the API reads.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("SSCARD_MAX_BODY_BYTES", str(256 * 1024)))
# Largest batch of contribution records (PUT /api/v1/contributions: up to 10,000 records).
RECORDS_MAX_BODY_BYTES = int(os.environ.get("SSCARD_RECORDS_MAX_BODY_BYTES", str(8 << 20)))

# ---- delivery of the outbox (worker): webhooks, SMS, e-mail
# Retries of every outbox delivery (webhooks and notifications): exponential backoff from the
# base, capped, with jitter; after the last try the message is a dead letter.
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("SSCARD_WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_BACKOFF_SECONDS = float(os.environ.get("SSCARD_WEBHOOK_BACKOFF_SECONDS", "30"))
WEBHOOK_BACKOFF_CAP_SECONDS = float(os.environ.get("SSCARD_WEBHOOK_BACKOFF_CAP_SECONDS", "21600"))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("SSCARD_WEBHOOK_TIMEOUT_SECONDS", "10"))
# How long a worker holds a message it is delivering; longer than the slowest try (webhook
# timeout, or SMS and e-mail timeouts together), else two workers may send it at once.
OUTBOX_LEASE_SECONDS = float(os.environ.get("SSCARD_OUTBOX_LEASE_SECONDS", "120"))
# A due message no task has taken for this long is delivered by the worker's recovery pass.
OUTBOX_RECOVER_AFTER_SECONDS = float(os.environ.get("SSCARD_OUTBOX_RECOVER_AFTER_SECONDS", "60"))

# /readyz: not ready when no worker has beaten for this long, or when an outbox message has been
# due and undelivered for this long (the worker is stuck, or too few for the load).
READY_WORKER_SECONDS = float(os.environ.get("SSCARD_READY_WORKER_SECONDS", "60"))
READY_OUTBOX_SECONDS = float(os.environ.get("SSCARD_READY_OUTBOX_SECONDS", "300"))

# SMS: "console" writes messages to the worker's output (development); "http" posts
# {"to", "text"} as JSON with a bearer token to the gateway.
SMS_BACKEND = os.environ.get("SSCARD_SMS_BACKEND", "console")
SMS_URL = os.environ.get("SSCARD_SMS_URL", "")
SMS_TOKEN = os.environ.get("SSCARD_SMS_TOKEN", "")
SMS_TIMEOUT_SECONDS = float(os.environ.get("SSCARD_SMS_TIMEOUT_SECONDS", "10"))

# E-mail through Django's mail: the console backend by default, so `make run` shows messages.
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "console")
EMAIL_BACKEND = _EMAIL_BACKENDS.get(EMAIL_BACKEND, EMAIL_BACKEND)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sscard <no-reply@sscard.localhost>")

# ---- console and staff
# django-axes locks a staff sign-in out after repeated failures (the API's bearer tokens and the
# portal's one-time codes never go through Django's authenticate).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("SSCARD_SIGNIN_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("SSCARD_SIGNIN_LOCKOUT_HOURS", "0.5"))
# A user name is locked wherever the tries come from, and an address whatever names it tries.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "console/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "sscard.common.http.client_address"
# How many reverse proxies of ours stand in front (each appends to X-Forwarded-For); 0: none.
TRUSTED_PROXIES = int(os.environ.get("SSCARD_TRUSTED_PROXIES", "0"))

# ---- production: the secret key, TLS behind a proxy, security headers
# Production is serving others: not in debug mode, with a host name that is not this machine's.
# It refuses to start without a SECRET_KEY of its own (sscard.common.keys); the embedded default
# generates one under SSCARD_VAR_DIR once and keeps it.
PRODUCTION = is_production(debug=DEBUG, allowed_hosts=ALLOWED_HOSTS)
SECRET_KEY, SECRET_KEY_SOURCE = secret_key_for(
    environ_key=os.environ.get("SECRET_KEY", ""), var_dir=VAR_DIR, production=PRODUCTION
)

# ---- logs
# Every handler masks ID numbers and mobile numbers (sscard.common.logfilter) and adds the
# request id, actor and channel (sscard.common.logs). JSON lines in production, plain lines
# elsewhere; SSCARD_LOG_FORMAT=json|plain chooses. Django's own handlers are replaced: its
# loggers go to ours, the development server's request lines too; gunicorn's own lines go
# through the same configuration (config/gunicorn.py).
LOG_FORMAT = log_format(os.environ, production=PRODUCTION)
LOGGING = logging_config(
    log_format=LOG_FORMAT,
    level=os.environ.get("SSCARD_LOG_LEVEL", "INFO"),
    gunicorn_level=os.environ.get("SSCARD_GUNICORN_LOG_LEVEL", "warning").upper(),
)
# One line per request on `sscard.access` (sscard.common.requestlog): SSCARD_ACCESS_LOG=0 stops it.
ACCESS_LOG = _env_bool("SSCARD_ACCESS_LOG", True)

# Behind a TLS-terminating proxy the request arrives over plain HTTP: the scheme the client
# used is taken from X-Forwarded-Proto only when SSCARD_TRUSTED_PROXIES says proxies of ours
# stand in front (sscard.common.http.ForwardedProtoMiddleware, first of MIDDLEWARE, puts it
# where Django looks).
SECURE_PROXY_SSL_HEADER = ("SSCARD_FORWARDED_PROTO", "https")
# Other origins whose forms may post here (scheme and host, e.g. https://sscard.example.gov.cn);
# the site's own https origin needs no entry once the proxy's scheme is believed.
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
# Cookies only over HTTPS, HTTP redirected to HTTPS, and HSTS: on by default in production.
SECURE_COOKIES = _env_bool("SSCARD_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = _env_bool("SSCARD_SSL_REDIRECT", PRODUCTION)
# A load balancer's checks and Prometheus inside the network may use HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(
    os.environ.get("SSCARD_HSTS_SECONDS", str(365 * 24 * 3600) if PRODUCTION else "0")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SSCARD_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = _env_bool("SSCARD_HSTS_PRELOAD", False)

# Banks' webhook URLs: https to public addresses only (sscard.partners.webhook_urls). These
# networks may be reached too (CIDR, comma-separated); in debug, loopback over http as well.
WEBHOOK_ALLOWED_NETWORKS = [
    n.strip() for n in os.environ.get("SSCARD_WEBHOOK_ALLOWED_NETWORKS", "").split(",") if n.strip()
] or (["127.0.0.0/8", "::1/128"] if DEBUG else [])

# Who may read /metrics (sscard.metrics.access): clients from these networks (CIDR,
# comma-separated; loopback by default, empty: none), or with this bearer token (empty: none).
METRICS_ALLOWED_NETWORKS = [
    n.strip()
    for n in os.environ.get("SSCARD_METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128").split(",")
    if n.strip()
]
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"SSCARD_METRICS_ALLOWED_NETWORKS: {_network!r} is not a network (CIDR)"
        ) from None
METRICS_TOKEN = os.environ.get("SSCARD_METRICS_TOKEN", "")

# The 12333 voice menu (sscard.voice): the secret the telephony platform signs its webhooks with
# (its auth token; no secret: every webhook is refused), and the SIP address of the agents' line
# a call is transferred to, with its reference in the X-Call-Reference header.
VOICE_AUTH_TOKEN = os.environ.get("SSCARD_VOICE_AUTH_TOKEN", "")
VOICE_AGENTS = os.environ.get("SSCARD_VOICE_AGENTS", "sip:agents@12333.localhost")

# Content-Security-Policy on every answer (sscard.common.middleware): scripts and styles only
# from our own static files, never inline; no plug-ins, no framing, forms post only here.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
