"""Settings shared by every environment; values that differ between machines come from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"  # git-ignored: the embedded SQLite database, exports, broker files

env = environ.Env()

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Every request is one transaction: a view that fails half-way leaves nothing behind.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Persistent connections: a request reuses its worker's connection instead of opening one (0 = close after each
# request, the development default; production sets 60). The health check replaces a connection the database
# dropped before the request uses it. Behind PgBouncer in transaction pooling: CONN_MAX_AGE=0 and
# DISABLE_SERVER_SIDE_CURSORS=True (a server-side cursor does not survive the pooler's switching; see README).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a whole showroom's morning: concurrent writers must queue, not fail with
    # "database is locked". WAL lets readers go on while one writes; IMMEDIATE takes the write lock when a
    # transaction starts, so two transactions never both read then deadlock on upgrading (which SQLite
    # answers at once, whatever the timeout); the busy timeout is how long a writer waits for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000",
        transaction_mode="IMMEDIATE",
        timeout=20,
    )
# The optional read replica (a streaming standby of the primary): the dashboards, the workbook and the list
# exports read from it, everything else from the primary (dealer_crm/core/db_routing.py). A short connect
# timeout: when it does not answer, those pages fall back to the primary rather than wait.
if DATABASE_REPLICA_URL := env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].update(
        CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"],
        CONN_HEALTH_CHECKS=True,
        DISABLE_SERVER_SIDE_CURSORS=DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"],
        # No transaction per request on the replica: a page that never reads it must not connect to it.
        ATOMIC_REQUESTS=False,
        TEST={"MIRROR": "default"},  # tests have one database; a real replica is tested in tests/core
    )
    DATABASES["replica"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        **DATABASES["replica"].get("OPTIONS", {}),
        "connect_timeout": env.int("REPLICA_CONNECT_TIMEOUT", default=2),
    }
DATABASE_ROUTERS = ["dealer_crm.core.db_routing.ReplicaRouter"]
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)  # how long a browser that wrote reads the primary
REPLICA_RETRY_SECONDS = 30  # after the replica failed to answer, how long the replica scopes use the primary
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
# The cache holds the intake API's rate-limit counters: in Redis when there is one, so that every gunicorn worker
# counts in the same window; the embedded default keeps them in each process's memory.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "dealer_crm.core",
    "leads",
    "followups",
    "dcc",
    "webhooks",
    "delivery",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Read-your-writes with a read replica: a browser that has just written reads the primary for a while.
    "dealer_crm.core.db_routing.ReplicaPinMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view is marked with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # The dealer group's read-only role: no writes, and the showroom it chose to look at.
    "dealer_crm.core.middleware.ViewedShowroomMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Shared front-desk computers: a session ends after SESSION_IDLE_TIMEOUT without a request (after the
    # messages, to say why; the login-required middleware's check comes later, in process_view).
    "dealer_crm.core.sessions.IdleSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login attempt into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dealer_crm.urls"
WSGI_APPLICATION = "dealer_crm.wsgi.application"

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
                "django.template.context_processors.i18n",
                "followups.context_processors.due_follow_ups",
            ],
        },
    },
]

AUTH_USER_MODEL = "core.User"
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
# A refused form (expired session, stale page) gets the app's page in the user's language (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "dealer_crm.core.views.csrf_failure"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Showrooms share front-desk computers: a session ends when the browser closes and after this long without a
# request (dealer_crm/core/sessions.py); the login page says so.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=4 * 60))
# The server forgets a session a little after the idle timeout (the last-seen time is written once a minute), so
# the middleware, which says why, is what ends an idle session; the database's expiry only cleans up.
SESSION_COOKIE_AGE = int((SESSION_IDLE_TIMEOUT + timedelta(minutes=10)).total_seconds())

# Repeated wrong passwords lock the pair (username, address), never the address alone:
# a whole showroom shares one public IP, and one mistyping colleague must not lock out the rest.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)

LANGUAGE_CODE = env("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Empty choices read "All" in list filters and "Please choose" in forms, never Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("All")
FORM_RENDERER = "dealer_crm.core.renderers.ChoicePromptRenderer"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="crm@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Celery: Redis in production and CI; without REDIS_URL a filesystem broker that needs no server.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A task a worker took and never acknowledged (it was killed) goes back to the queue after this long. Sized
    # to the longest task, so a task still running is not handed to a second worker: a month of 100k register
    # entries takes ~25 s and 1M ~4 min (benchmarks/README.md), a retry waits at most 5 min. A killed export
    # does not wait for it: its claim expires (EXPORT_CLAIM_TTL) and the beat job re-queues it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=15 * 60),
        "socket_connect_timeout": 2,  # a page that enqueues never hangs on a broker that does not answer
    }
else:
    from dealer_crm.celery import filesystem_broker_options

    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / "broker")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a task whose worker died is redelivered; tasks are written to be idempotent
# ... and redelivered at once when only the pool process died (acks_late alone would acknowledge it as failed):
# every task is idempotent, and an export that keeps killing its worker stops at EXPORT_MAX_ATTEMPTS.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Business settings -------------------------------------------------------------------------
# Lists never count an unbounded table: they count up to this many rows and say "more than".
LIST_COUNT_CAP = 1000
REGISTER_PAGE_SIZE = 25
# Today and the overdue board show this many leads per group (a grade, a consultant); the rest are a click away.
TODAY_GROUP_LIMIT = 50

CRM_ROLE_NAMES = {
    "consultant": _("Sales consultant"),
    "manager": _("Showroom manager"),
    "admin": _("Administrator"),
}

# --- Outgoing webhooks (webhooks/) -------------------------------------------------------------
# The relay looks again at this many event ids behind its cursor, for events committed late (see _relay_batch).
WEBHOOK_RESCAN_EVENTS = env.int("WEBHOOK_RESCAN_EVENTS", default=1000)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
# A sender's claim on a delivery; longer than the timeout, so only a dead worker's claim expires.
WEBHOOK_CLAIM_SECONDS = env.int("WEBHOOK_CLAIM_SECONDS", default=60)
# 30 s, 1, 2, 4 … minutes, capped at an hour: ten attempts span about four and a half hours.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=10)

# --- Excel exports and imports (reports/excel/) ------------------------------------------------
# Private folders: customers' personal data, served only through the reports' permission-checked views,
# never as static or media files.
EXPORTS_DIR = Path(env("EXPORTS_DIR", default=str(VAR_DIR / "exports")))
IMPORTS_DIR = Path(env("IMPORTS_DIR", default=str(VAR_DIR / "imports")))
# A monthly workbook with more rows than this is built by a Celery task with a progress bar; smaller ones
# come straight back in the response.
EXCEL_BACKGROUND_ROWS = env.int("EXCEL_BACKGROUND_ROWS", default=5000)
# The Celery queue the workbook tasks go to: a worker of their own keeps a big month from delaying the reminders.
EXCEL_EXPORT_QUEUE = env("EXCEL_EXPORT_QUEUE", default="celery")
# The task writes its progress every this many rows (one small UPDATE each time).
EXCEL_PROGRESS_EVERY = env.int("EXCEL_PROGRESS_EVERY", default=1000)
# Finished background files are deleted after this many days (the export record stays).
EXCEL_KEEP_DAYS = env.int("EXCEL_KEEP_DAYS", default=7)
# The nightly rollup job recounts this many days up to yesterday (leads.rollups.rollups_heal): the services keep
# the rollups current as they write; this heals whatever changed otherwise (SQL by hand, a restored backup).
ROLLUPS_HEAL_DAYS = env.int("ROLLUPS_HEAL_DAYS", default=7)
# A background export's claim expires when its worker has not written a heartbeat (with each progress report,
# every EXCEL_PROGRESS_EVERY rows: well under a second apart) for this long; the beat job then re-queues it.
EXPORT_CLAIM_TTL = timedelta(seconds=env.int("EXPORT_CLAIM_TTL_SECONDS", default=120))
# An export whose workers died this many times is marked failed instead of being tried again (it may be what
# kills them, e.g. out of memory).
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=3)
# The largest register file an upload may be.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)

# --- DCC intake API (dcc/api.py) ---------------------------------------------------------------
# Requests per token per fixed window ("120/minute", "10/second", "5000/hour"); over it: 429 with Retry-After.
DCC_RATE_LIMIT = env("DCC_RATE_LIMIT", default="120/minute")
# The largest request body the intake API accepts (JSON or ADF/XML) and the largest ADF file uploaded; over it:
# 413, before the parser sees a byte of it.
DCC_MAX_BODY_BYTES = env.int("DCC_MAX_BODY_BYTES", default=64 * 1024)
# A portal's batch file of inquiries (.xlsx or .csv, dcc/services/batch.py): the largest upload, and the most rows
# it may hold (each row is checked for the preview and again when confirmed). Kept under IMPORTS_DIR/dcc/ between.
DCC_BATCH_MAX_BYTES = env.int("DCC_BATCH_MAX_BYTES", default=2 * 1024 * 1024)
DCC_BATCH_MAX_ROWS = env.int("DCC_BATCH_MAX_ROWS", default=2000)
