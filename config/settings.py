"""All settings, read from the environment in this one module.

Defaults give the embedded setup (`make run`): a SQLite file and a Celery broker
that lives in a local folder, so a laptop needs nothing but Python. Production
sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=false.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    # Development only: never used once DEBUG is off (see the check above).
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-7f3a9c1e5b"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "clinic.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "knox",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "template_partials",
    "phonenumber_field",
    "clinic",
    "procedures",
    "scheduling",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "clinic.sessions.IdleTimeoutMiddleware",
    # A read checks the rules version once, however many kept things it uses.
    "procedures.middleware.OneReadingMiddleware",
    # One `read` audit event per response that showed patients, and no-store on it.
    "clinic.read_audit.ReadAuditMiddleware",
    # A page that says "try again" when the database is busy or slow (clinic.db_errors).
    "scheduling.pages.busy.BusyDatabaseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it sees the flag a locked-out sign-in left on the request (django-axes).
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Serves collected static files (the admin's, the docs page's) without a separate server.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

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

# Pages load scripts and styles from our own static files only: no inline script, no CDN.
# htmx is told (base.html's meta tag) not to inject its indicator styles, so no inline style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Database -----------------------------------------------------------------------------------

# Set by gunicorn.conf.py (and Procfile.dev's web process): this process answers web requests.
WEB_PROCESS = os.environ.get("CLINIC_PROCESS", "") == "web"
DB_LOCK_TIMEOUT_MS = int(os.environ.get("DB_LOCK_TIMEOUT_MS", "3000"))
DB_STATEMENT_TIMEOUT_MS = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", "20000"))

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'clinic.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
# Lets two test runs on one machine (say, two checkouts) use separate test databases.
TEST_DB_SUFFIX = os.environ.get("TEST_DB_SUFFIX", "")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # BEGIN IMMEDIATE takes the write lock at the start of every transaction, so two
        # writers are serialised and a check-then-insert inside one cannot interleave.
        "transaction_mode": "IMMEDIATE",
        # Wait for the lock instead of failing at once with "database is locked".
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not shared-cache memory: the race tests need real file locking.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-clinic{TEST_DB_SUFFIX}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}{TEST_DB_SUFFIX}"}
    # PostgreSQL's JIT compiles a big aggregate's plan at every run: 0.1-0.6 s added to each
    # of the dashboard's year-long queries for nothing, as this service's queries are short.
    pg_options = "-c jit=off"
    if WEB_PROCESS:
        # A web request waits at most this long for a row another request holds (a patient's,
        # while a booking counts their history) and for one statement: then "busy, try again"
        # (clinic.db_errors), not a page that hangs. Workers and migrations run unbounded:
        # Celery has its own time limits, and a migration may rightly take minutes.
        pg_options += (
            f" -c lock_timeout={DB_LOCK_TIMEOUT_MS} -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
        )
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = pg_options
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, i18n, time ------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
# django-axes first: it refuses a locked-out username before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
# "home" sends each role on to its own start page (/desk/, /station/...).
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in lockout (django-axes) ---------------------------------------------------------------

# LOGIN_FAILURE_LIMIT wrong passwords for one username lock that username (on the API, the
# sign-in page and the admin alike) for LOGIN_LOCKOUT_MINUTES after the last failure, even
# with the right password. Only the username is locked: other users at the same desk (the
# same IP address) sign in as usual.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# A try while locked is refused unread, so it is no new guess: the lock is not extended (a
# person retrying their right password would otherwise never get back in).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "clinic.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "clinic.net.client_ip"
# Axes warns that a lock on the username alone leaves address-based limits to something else:
# here the API's per-address rate (API_RATE_ANONYMOUS). Locking by address would lock a whole
# clinic's desk, which shares one address, out after one person's typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# Sign-ins are recorded in our own audit trail (clinic.auth_events); no second log.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Behind a reverse proxy that sets X-Forwarded-For, set this so the audit trail and the
# lockout see the client's address rather than the proxy's. Never set it without a proxy:
# a client could then write any address it likes into the audit trail.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

# --- API tokens (django-rest-knox) ---------------------------------------------------------------

KNOX_TOKEN_MODEL = "clinic.ApiToken"
# knox's own migrations create its stock token table even when the model is swapped for ours;
# that table's key to auth_user would block emptying the users table. Without migrations, a
# swapped model gets no table at all.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    # A token lives API_TOKEN_HOURS after its last use (renewed at most once a minute).
    "TOKEN_TTL": timedelta(hours=float(os.environ.get("API_TOKEN_HOURS", "10"))),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
}

# --- Sessions -------------------------------------------------------------------------------------

# A browser session ends after SESSION_IDLE_MINUTES without a request from the person (the
# nurse's worklist refreshing itself does not count), and after SESSION_MAX_HOURS in any case.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Second factor (django-otp) -------------------------------------------------------------------

# Managers may add a TOTP authenticator app; with ADMIN_REQUIRE_OTP the admin admits only a
# session that passed it.
ADMIN_REQUIRE_OTP = env_bool("ADMIN_REQUIRE_OTP", False)
OTP_TOTP_ISSUER = os.environ.get("CLINIC_NAME", "Riverside Pain Clinic")

# --- API rate limits -----------------------------------------------------------------------------

# Per signed-in user over the whole API (and per address for requests without a user).
# Generous on purpose: an integration script booking 300 cases in a minute, each with a slot
# search and an eligibility check, is normal use. Same error shape as a lockout: 429
# `too_many_attempts` with `retry_after`.
API_RATE_PER_USER = os.environ.get("API_RATE_PER_USER", "3000/minute")
API_RATE_ANONYMOUS = os.environ.get("API_RATE_ANONYMOUS", "120/minute")

# The rate counts (and the dashboard's kept slot searches) live in this cache: each process's
# own memory by default, which is right for one web process; with several, set CACHE_URL to a
# shared Redis (redis://host:6379/1) so a client's count is one count. While that Redis is
# down the limits are skipped (a warning per request) and the dashboard counts afresh: it
# must never stop a booking.
CACHE_URL = os.environ.get("CACHE_URL", "")
# A Redis cache that refuses or never answers holds a request this long at most (connect,
# then each reply); redis-py's own default is 5 s for each.
CACHE_TIMEOUT_SECONDS = float(os.environ.get("CACHE_TIMEOUT_SECONDS", "0.5"))
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {
                "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
                "socket_timeout": CACHE_TIMEOUT_SECONDS,
            },
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

LANGUAGE_CODE = "en-us"
USE_I18N = True
USE_TZ = True
# Days, working hours and the local hour of reminders are decided in this zone.
CLINIC_TIME_ZONE = os.environ.get("CLINIC_TIME_ZONE", "America/New_York")
# Stored in UTC; shown (admin, API) and read (naive input) in the clinic's own zone.
TIME_ZONE = CLINIC_TIME_ZONE
CLINIC_NAME = os.environ.get("CLINIC_NAME", "Riverside Pain Clinic")
CLINIC_HOLIDAYS_COUNTRY = os.environ.get("CLINIC_HOLIDAYS_COUNTRY", "US")
CLINIC_HOLIDAYS_SUBDIV = os.environ.get("CLINIC_HOLIDAYS_SUBDIV", "NY") or None
# How often the nurse's worklist (/station/) refreshes itself.
STATION_REFRESH_SECONDS = int(os.environ.get("STATION_REFRESH_SECONDS", "30"))
# The manager's dashboard opens on the last DASHBOARD_PAST_DAYS days and the next
# DASHBOARD_FUTURE_DAYS; its authorization pipeline looks DASHBOARD_AUTH_WORKING_DAYS clinic
# days ahead; the stuck-patient lists look back DASHBOARD_STUCK_LOOKBACK_DAYS.
DASHBOARD_PAST_DAYS = int(os.environ.get("DASHBOARD_PAST_DAYS", "30"))
DASHBOARD_FUTURE_DAYS = int(os.environ.get("DASHBOARD_FUTURE_DAYS", "14"))
# The longest range the dashboard answers for (two years), so one request cannot ask for decades.
DASHBOARD_MAX_DAYS = int(os.environ.get("DASHBOARD_MAX_DAYS", "731"))
DASHBOARD_AUTH_WORKING_DAYS = int(os.environ.get("DASHBOARD_AUTH_WORKING_DAYS", "5"))
DASHBOARD_EXPIRING_DAYS = int(os.environ.get("DASHBOARD_EXPIRING_DAYS", "14"))
DASHBOARD_STUCK_LOOKBACK_DAYS = int(os.environ.get("DASHBOARD_STUCK_LOOKBACK_DAYS", "365"))
# Days to the third next available slot are searched this far ahead at most, and kept for
# DASHBOARD_ACCESS_CACHE_SECONDS (a slot search per procedure is the dashboard's dearest part).
DASHBOARD_ACCESS_SEARCH_DAYS = int(os.environ.get("DASHBOARD_ACCESS_SEARCH_DAYS", "120"))
DASHBOARD_ACCESS_CACHE_SECONDS = int(os.environ.get("DASHBOARD_ACCESS_CACHE_SECONDS", "300"))
# Phone numbers typed without a country code ("(212) 555-0123") are read as this country's;
# all are stored in E.164.
PHONENUMBER_DEFAULT_REGION = os.environ.get("CLINIC_PHONE_REGION", CLINIC_HOLIDAYS_COUNTRY)
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
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

# --- Email --------------------------------------------------------------------------------------

# The default writes one file per message, named by its idempotency key, so a person can read
# what was sent; production sets django.core.mail.backends.smtp.EmailBackend. With DEBUG off
# the file, console and memory backends are refused unless ALLOW_DEV_CHANNELS=true.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "scheduling.reminders.mail.KeyedFileBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "sent-email"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "reminders@clinic.example")
CLINIC_MAIL_DOMAIN = DEFAULT_FROM_EMAIL.rpartition("@")[2] or "clinic.example"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# One of the two with DEBUG off (config/production.py): STARTTLS (port 587) or implicit TLS (465).
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 20

# --- Celery -------------------------------------------------------------------------------------

CELERY_FILESYSTEM_BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_FILESYSTEM_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_FILESYSTEM_BROKER_DIR / "processed"),
        "store_processed": False,
        # Broadcast and control messages (worker pings); kombu's default is ./control.
        "control_folder": str(CELERY_FILESYSTEM_BROKER_DIR / "control"),
    }
    for folder in ("queue", "processed", "control"):
        (CELERY_FILESYSTEM_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_TIMEZONE = "UTC"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task that hangs (a mail server that never answers, say) is interrupted after the soft
# limit and killed after the hard one; both stay under REMINDER_CLAIM_SECONDS, so a killed
# send's reminders are claimed again only once its lease has run out.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "60"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", "90"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# After a booking commits a reminder that is due now, the web process asks a worker to
# dispatch at once (scheduling/reminders/nudge.py). It waits at most this long to connect and
# for each reply, tries once, and otherwise leaves the row to beat's next tick: a broker that
# refuses or never answers must not hold up a booking. The web producer's connection only;
# the workers' blocking reads keep the shared transport options above.
CELERY_NUDGE_TIMEOUT_SECONDS = float(os.environ.get("CELERY_NUDGE_TIMEOUT_SECONDS", "0.5"))
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- REST framework -----------------------------------------------------------------------------

# The largest JSON body the API reads; larger is refused with 413 `too_large`. The largest
# real body (a patient's record) is under 2 KB.
API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", str(64 * 1024)))

REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header turns "no credentials" into 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clinic.api.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["clinic.permissions.IsClinicStaff"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clinic.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "clinic.api.throttling.PerUserRate",
        "clinic.api.throttling.PerAddressRate",
    ],
    "DEFAULT_PAGINATION_CLASS": None,
    # JSON only (API.md), bounded in size and depth: anything else is a 415, 413 or 400.
    "DEFAULT_PARSER_CLASSES": ["clinic.api.parsers.BoundedJSONParser"],
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Pain clinic procedure scheduling API",
    "DESCRIPTION": (
        "Scheduling and workflow for interventional pain procedures: slots, bookings, "
        "staged pathways, payer rules, anticoagulant holds, checklists and reminders. "
        "Authenticate with `Authorization: Token <token>` from `POST /api/auth/token/`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set: several models have a `status`, and two fields share channels.
    "ENUM_NAME_OVERRIDES": {
        "AppointmentStatusEnum": "scheduling.models.core.Status",
        "ReminderStatusEnum": "scheduling.models.reminders.ReminderStatus",
        "AuthorizationStatusEnum": "procedures.models.authorizations.AuthorizationStatus",
        "ChannelEnum": "clinic.models.Patient.Channel",
        "CancelCauseEnum": "scheduling.models.core.CancelCause",
    },
}

# --- Security (production) ----------------------------------------------------------------------

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The __Host- prefix makes the browser refuse these cookies unless they are Secure, set
    # for the whole site (Path=/) and for this host only (no Domain): a neighbouring
    # subdomain cannot plant or overwrite them. Both are HttpOnly (no script of ours reads
    # the CSRF cookie: forms, htmx and the API docs page take the token from the page) and
    # SameSite=Lax.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    CSRF_COOKIE_SAMESITE = "Lax"
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# --- Logging ------------------------------------------------------------------------------------

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# Every record goes through the one console handler, whose filter cuts query strings (a
# search's `?q=Smith` is a patient's name) from messages, Django's `request` and tracebacks.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query_strings": {"()": "config.logging.NoQueryStrings"}},
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain" if DEBUG else "json",
            "filters": ["no_query_strings"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own handlers (its console, runserver's request lines, mail to ADMINS with
        # the request's data) are replaced: its records go to the console above, filtered.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "INFO"},
        # Sign-ins and lockouts are in the audit trail; axes would log each one again.
        "axes": {"level": "WARNING"},
    },
}

# --- Scheduling ---------------------------------------------------------------------------------

# Slot search offers starts on this grid (minutes), on the clinic's clock.
SLOT_GRID_MINUTES = 15
# Cases are booked at most this many months ahead (scheduling.horizon); slot search stops there.
BOOKING_HORIZON_MONTHS = int(os.environ.get("BOOKING_HORIZON_MONTHS", "18"))

# --- Reminders ----------------------------------------------------------------------------------

# Patient messages due in quiet hours go out at their end (clinic local time, HH:MM).
REMINDER_QUIET_START = os.environ.get("REMINDER_QUIET_START", "20:00")
REMINDER_QUIET_END = os.environ.get("REMINDER_QUIET_END", "08:00")
# How long a claimed reminder is left to its worker before another may claim it. Longer than
# the slowest send (EMAIL_TIMEOUT), so two workers never hold the same reminder at once.
REMINDER_CLAIM_SECONDS = int(os.environ.get("REMINDER_CLAIM_SECONDS", "120"))
REMINDER_MAX_ATTEMPTS = int(os.environ.get("REMINDER_MAX_ATTEMPTS", "5"))
# Retry n waits REMINDER_RETRY_BASE_SECONDS * 2**(n-1).
REMINDER_RETRY_BASE_SECONDS = int(os.environ.get("REMINDER_RETRY_BASE_SECONDS", "60"))
REMINDER_DISPATCH_BATCH = int(os.environ.get("REMINDER_DISPATCH_BATCH", "500"))
# Reminders per send task: a task's own cost (its claim, its database round trips, one mail
# connection) is shared by its reminders; a task cut short by its time limit marks what it
# sent and hands back the rest, so a large chunk loses nothing.
# How many waiting entries a freed slot is checked against, longest-waiting first: each check
# is a booking's reads, inside the cancellation's transaction.
WAITLIST_MATCH_CANDIDATES = int(os.environ.get("WAITLIST_MATCH_CANDIDATES", "100"))
# Calendar event UIDs end in this domain (`appointment-<id>@<domain>`): set it once, to a
# domain the clinic controls, and never change it, or subscribed calendars see new events.
ICAL_UID_DOMAIN = os.environ.get("ICAL_UID_DOMAIN", "painclinic.invalid")
REMINDER_SEND_CHUNK = int(os.environ.get("REMINDER_SEND_CHUNK", "100"))
# The SMS channel: the development store (scheduling.reminders.channels.StoredSms) keeps
# messages in a table; a real provider plugs in as another class with the same `send`.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "scheduling.reminders.channels.StoredSms")
# Simulated provider latency for the development SMS store (seconds), for trying failures.
SMS_DEV_DELAY_SECONDS = float(os.environ.get("SMS_DEV_DELAY_SECONDS", "0"))
# A day hold's stop reminder goes out at this clinic time on the day of the last dose.
REMINDER_HOLD_STOP_TIME = os.environ.get("REMINDER_HOLD_STOP_TIME", "09:00")

# --- Production refusals ------------------------------------------------------------------------

# With DEBUG off, the development email backends and SMS store, and SMTP without TLS, stop
# every process at start (config/production.py says what to set). ALLOW_DEV_CHANNELS=true
# keeps the development channels on purpose, for a demonstration or test server.
from config.production import refuse_unsafe_production  # noqa: E402 (kept in its section)

ALLOW_DEV_CHANNELS = env_bool("ALLOW_DEV_CHANNELS", False)
refuse_unsafe_production(
    debug=DEBUG,
    email_backend=EMAIL_BACKEND,
    email_use_tls=EMAIL_USE_TLS,
    email_use_ssl=EMAIL_USE_SSL,
    sms_backend=SMS_BACKEND,
    allow_dev_channels=ALLOW_DEV_CHANNELS,
)
