"""Reactivate settings: one module, read from the environment with django-environ.

Every setting has a safe local default so that a fresh clone runs with no server to install
(the local PostgreSQL server of ``reactivate.localdb``, a filesystem Celery broker, the
sandbox messaging backend, console email).
Production sets ``DEBUG=false`` and must then provide ``SECRET_KEY``, ``ALLOWED_HOSTS`` and
the service URLs; helpers below fail loudly rather than fall back to something unsafe.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-local-development-only-never-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")

# The address Twilio and email links call back; webhook signatures are checked against it.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_htmx",
    "django_celery_beat",
    "anymail",
    "reactivate",
    "contacts",
    "campaigns",
    "outreach",
    "schedule",
    "scoreboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Renews the idle timeout at most once a minute (not a session write per request).
    "reactivate.middleware.SessionIdleRenewMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must be last: it turns a lockout signal into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reactivate.urls"
WSGI_APPLICATION = "reactivate.wsgi.application"
ASGI_APPLICATION = "reactivate.asgi.application"
AUTH_USER_MODEL = "reactivate.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reactivate.context_processors.practice_nav",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# PostgreSQL only, named by DATABASE_URL. Locally, manage.py, bin/run and bin/test set it to
# the server under var/postgres (reactivate.localdb) before Django starts; settings never
# start a server, and with DEBUG off nothing is started for them.
if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL must be set when DEBUG is off."
        if not DEBUG
        else "DATABASE_URL is not set: run through manage.py, bin/run or bin/test (they start "
        "the local PostgreSQL server), or export "
        "DATABASE_URL=$(.venv/bin/python -m reactivate.localdb start)"
    )
DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...).")
# The local server answers on a Unix socket (postgres://postgres@/reactivate?host=/path): HOST
# names its folder, as Django documents, so code that reads HOST finds the same server.
if not DATABASES["default"]["HOST"] and "host" in DATABASES["default"].get("OPTIONS", {}):
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and Celery -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Locally the broker is a folder: worker and beat need no server. Production uses Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu's default is "control" in the working directory: a folder in the checkout.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    # Longer than any task may run; day-N touches are never ETA tasks (the beat sweeper
    # finds them), so nothing waits in the broker long enough to be redelivered.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "") or None
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Imports and sends each have a queue, so a long import never delays a due text.
CELERY_TASK_ROUTES = {
    "contacts.tasks.*": {"queue": "imports"},
    "outreach.tasks.send_*": {"queue": "outreach"},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-touches": {"task": "outreach.tasks.dispatch_due", "schedule": 60.0},
    "heartbeat": {"task": "reactivate.tasks.heartbeat", "schedule": 60.0},
    "campaign-sweep": {"task": "campaigns.tasks.sweep", "schedule": 3600.0},
    # A reply that raced its patient's enrollment still reaches the work queue.
    "replies-reconcile": {"task": "outreach.tasks.replies_reconcile", "schedule": 300.0},
    # A coordinator's reply typed outside the hours texts may go, sent when they open.
    "planned-replies": {"task": "outreach.tasks.planned_replies_send", "schedule": 60.0},
    # A rollup rebuild whose worker died (or that nobody queued) is queued again.
    "scoreboard-rebuilds-resume": {"task": "scoreboard.tasks.rebuilds_resume", "schedule": 600.0},
    # The practice's schedule: drop folders, FHIR servers and the effects of what they
    # said, well within a minute of a file landing.
    "schedule-sweep": {"task": "schedule.tasks.sweep", "schedule": 20.0},
}

# --- Auth, sessions, lockout ----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Health data: a session ends after this much inactivity.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# Activity renews the session at most once a minute (reactivate.middleware), not on every
# request: the idle timeout is kept to the minute without a session write per request.
SESSION_RENEW_SECONDS = 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
# A username is locked only from the address that failed with it: failures elsewhere (or for
# names that do not exist) never lock a real user out from their own address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The client's address, as axes (through django-ipware) and the audit trail read it. Behind
# PROXY_COUNT proxies it is the X-Forwarded-For entry the outermost one appended: the one
# PROXY_COUNT from the end, since each proxy appends the address it was sent from. What the
# client itself put in front of that entry is skipped, not trusted (IPWARE_STRICT off: a
# longer header is expected, not refused). With no proxy, REMOTE_ADDR alone.
PROXY_COUNT = env.int("PROXY_COUNT", default=0 if DEBUG else 1)
if PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    # ipware counts the proxies listed after the client in the header: all but the last.
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
IPWARE_STRICT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "username"]

# --- Security -------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    # Production runs behind one reverse proxy that sets these headers.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # The health probe is plain HTTP inside the compose network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Patient data must never reach an error page or report: hide every request parameter.
DEFAULT_EXCEPTION_REPORTER_FILTER = "reactivate.errors.PatientSafeExceptionReporterFilter"

# --- Email ----------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Production email goes through django-anymail (SendGrid) when its key is set.
# Its event webhook (bounces, unsubscribes, spam reports) is /hooks/anymail/sendgrid/tracking/,
# protected by HTTP basic auth with ANYMAIL_WEBHOOK_SECRET ("user:password").
ANYMAIL = {"WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="") or None}
# Without it the webhook refuses every post (outreach.email_events); in production that
# would silently drop bounces and unsubscribes, so production refuses to start instead.
if not DEBUG and ":" not in (ANYMAIL["WEBHOOK_SECRET"] or ""):
    raise ImproperlyConfigured(
        "ANYMAIL_WEBHOOK_SECRET must be set (user:password) when DEBUG is off."
    )
if env.str("SENDGRID_API_KEY", default=""):
    EMAIL_BACKEND = "anymail.backends.sendgrid.EmailBackend"
    ANYMAIL["SENDGRID_API_KEY"] = env.str("SENDGRID_API_KEY")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Reactivate <noreply@localhost>")

# --- Messaging (Twilio) ---------------------------------------------------------------
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_API_BASE_URL = env.str("TWILIO_API_BASE_URL", default="https://api.twilio.com")
# Without credentials every message goes to the sandbox, which records instead of sending,
# and numbers are checked by the sandbox too (NUMBER_CHECK_BACKEND below).
_twilio_or_sandbox = "twilio" if TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN else "sandbox"
MESSAGING_BACKEND = env.str("MESSAGING_BACKEND", default=_twilio_or_sandbox)
# Dispatcher: touches per send task, claims older than this go back to planned, and
# sends stuck in "sending" this long are reconciled with Twilio.
OUTREACH_TASK_TOUCHES = env.int("OUTREACH_TASK_TOUCHES", default=50)
OUTREACH_CLAIM_STALE_MINUTES = env.int("OUTREACH_CLAIM_STALE_MINUTES", default=10)
OUTREACH_SENDING_STALE_MINUTES = env.int("OUTREACH_SENDING_STALE_MINUTES", default=5)
# Twilio requests in flight per worker process (threads that never touch the database).
OUTREACH_SEND_THREADS = env.int("OUTREACH_SEND_THREADS", default=4)
# Texts per second per sender (a token bucket in Redis); 0 turns the limit off.
OUTREACH_SEND_RATE = env.float("OUTREACH_SEND_RATE", default=10.0)
# A send task waits for its sender's tokens this long at most, then hands the touches left
# to a follow-up task (outreach.pacing): a worker is never held longer by one practice.
OUTREACH_SEND_TASK_SECONDS = env.float("OUTREACH_SEND_TASK_SECONDS", default=20.0)
# A number's line type before its first text (outreach.number_checks): "twilio" (Lookup
# v2), "sandbox" (no network), or a NumberCheck class's dotted path. An answer is kept this
# many days; a check that cannot answer holds the text this many minutes; a look-up in the
# send path waits this many seconds at most.
NUMBER_CHECK_BACKEND = env.str("NUMBER_CHECK_BACKEND", default=_twilio_or_sandbox)
NUMBER_CHECK_MAX_AGE_DAYS = env.int("NUMBER_CHECK_MAX_AGE_DAYS", default=90)
NUMBER_CHECK_RETRY_MINUTES = env.int("NUMBER_CHECK_RETRY_MINUTES", default=15)
NUMBER_CHECK_TIMEOUT = env.float("NUMBER_CHECK_TIMEOUT", default=5.0)
# The Reassigned Numbers Database: "sandbox" (always "unknown") or a ReassignedCheck
# class's dotted path (no provider is built in).
REASSIGNED_CHECK_BACKEND = env.str("REASSIGNED_CHECK_BACKEND", default="sandbox")

# --- Files ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Each practice's drop folder for appointment exports is <this>/<practice slug>/ (a
# practice system's scheduled report, or an SFTP drop); beat reads it (schedule.sources).
SCHEDULE_DROP_ROOT = Path(env.str("SCHEDULE_DROP_ROOT", default=str(MEDIA_ROOT / "schedule-drop")))
MEDIA_URL = "/media/"

PHONENUMBER_DEFAULT_REGION = "US"
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_MB", default=50) * 1024 * 1024
# Most data rows per import transaction: progress moves, and a killed worker resumes, per
# chunk. A file is applied in about ten chunks up to this size (contacts.import_runs).
IMPORT_CHUNK_ROWS = env.int("IMPORT_CHUNK_ROWS", default=10000)

# --- Logging: ids and counts only, never patient values -------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # The default handler mails request bodies to ADMINS; that would leak patient data.
        "django.request": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Twilio client (outreach/twilio_client.py) ----------------------------------------
# TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_API_BASE_URL and PUBLIC_BASE_URL are read
# above. Seconds per connect/read: a hung request must not hold a send's claim forever.
TWILIO_TIMEOUT = env.float("TWILIO_TIMEOUT", default=10.0)
# The SDK's HTTP client logs each request at INFO with its query parameters (phone numbers).
LOGGING["loggers"]["twilio.http_client"] = {"level": "WARNING"}
# --- end Twilio client -----------------------------------------------------------------
