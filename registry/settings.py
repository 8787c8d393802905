"""Settings for the agreements registry.

Everything an operator may change is read from the environment (12-factor). The helpers below
fail loudly, naming the variable, rather than guessing what a malformed value meant.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}")


def envint(name: str, default: str) -> int:
    value = os.getenv(name, default).strip()
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}") from None


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


def envproxyheader(name: str) -> tuple[str, str] | None:
    """The request header a TLS-terminating proxy sets to "https", in Django's META form
    (HTTP_X_FORWARDED_PROTO); unset means there is no such proxy and the header is not trusted."""
    value = os.getenv(name, "").strip()
    if not value:
        return None
    if not re.fullmatch(r"HTTP_[A-Z0-9_]+", value):
        raise ImproperlyConfigured(
            f"{name} must name a request header as Django sees it, e.g. HTTP_X_FORWARDED_PROTO; got {value!r}"
        )
    return (value, "https")


DEBUG = envbool("DEBUG", "true")

SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "development-only-key-never-use-in-production"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries must start with http:// or https://; got {_origin!r}"
        )

# --- JSON API under /api/ (agreements.api): apps and middleware used below ------------------------
API_APPS = ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar", "corsheaders"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",  # its sitemap.xml templates (agreements/sitemaps.py)
    "django_filters",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "agreements",
    *API_APPS,  # the JSON API's block below
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",  # before CommonMiddleware, as django-cors-headers asks
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "agreements.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "registry.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "agreements.context_processors.languages",
            ],
        },
    },
    {
        # The listing's hot fragments only (templates/jinja2/, registry/jinja2.py says why).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "registry.jinja2.environment", "extensions": ["jinja2.ext.i18n"]},
    },
]

WSGI_APPLICATION = "registry.wsgi.application"

# SQLite in the project directory unless DATABASE_URL names another database.
_default_db = f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.getenv("DATABASE_URL") or _default_db,
            conn_max_age=envint("DB_CONN_MAX_AGE", "60"),
            conn_health_checks=True,
        )
    }
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django can use: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A web request and a management command may write at once; WAL and a busy timeout keep
    # SQLite from failing with "database is locked" in that ordinary case.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

# Listing totals, facet counts and whole listing pages (agreements.caching), keyed by the data
# version, which lives in the database: every worker and every host sees a commit at its next
# request, so a per-process cache never serves another answer than a shared one would. Per process
# by default, bounded by bytes (a page is ~120 KB, a facet result 12-125 KB); with REDIS_URL, one
# Redis holds them for all workers and hosts (its own `maxmemory` policy bounds it: set
# `maxmemory-policy allkeys-lru`).
# The facet index one worker builds, for the host's other workers to load (agreements/indexsnapshots.py);
# empty: every worker builds its own. Writable by the application's user only: it holds pickles.
FACET_INDEX_SNAPSHOTS = os.getenv("FACET_INDEX_SNAPSHOTS", str(BASE_DIR / "var" / "facet-index")).strip()

# A worker reads the data version from the database at most this often (milliseconds) for requests
# outside a transaction; its threads share the reading meanwhile (agreements/public/dataversion.py).
# A commit shows that much later at most; 0: read for every request.
DATA_VERSION_REUSE_MS = envint("DATA_VERSION_REUSE_MS", "100")
if DATA_VERSION_REUSE_MS < 0:
    raise ImproperlyConfigured(f"DATA_VERSION_REUSE_MS must be 0 or more; got {DATA_VERSION_REUSE_MS}")

# PostgreSQL: each worker keeps the search's postings in memory (agreements/public/facetindex/words.py).
SEARCH_WORD_INDEX = envbool("SEARCH_WORD_INDEX", "true")

REDIS_URL = os.getenv("REDIS_URL", "").strip()
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must start with redis://, rediss:// or unix://; got {REDIS_URL!r}")

# On: after a change, a listing page is answered as it was until its new rendering, made once in the
# background, is ready (agreements/public/listing/pagecache.py): no reader waits for it. Off: render
# in the request. On by default with a shared cache: with Redis, under an edit a second, the slowest
# reads (p99) took 157 ms instead of 618 (bench/RESULTS.md, #17); per-worker caches gained nothing.
SERVE_PAGES_WHILE_RENDERING = envbool("SERVE_PAGES_WHILE_RENDERING", "true" if REDIS_URL else "false")


def shared_or_local(name: str, megabytes_variable: str) -> dict:
    if REDIS_URL:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"registry:{name}",
        }
    return {
        "BACKEND": "agreements.public.listing.sizedcache.SizedLocMemCache",
        "LOCATION": name,
        "OPTIONS": {"MAX_BYTES": envint(megabytes_variable, "64") * 1024 * 1024, "MAX_ENTRIES": 1_000_000},
    }


CACHES = {
    "default": shared_or_local("default", "CACHE_MAX_MB"),
    "pages": shared_or_local("pages", "PAGE_CACHE_MAX_MB"),
    # The valid region, sector and country codes, checked on every filtered request: small, per process.
    "reference": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reference"},
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ru"
# Each language named in itself, as the language switch shows it. Russian is the default (unprefixed
# URLs), English is under /en/, Kazakh, the state language, under /kk/.
LANGUAGES = [("ru", "Русский"), ("en", "English"), ("kk", "Қазақша")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Request bodies other than files are capped at 10 MB; uploaded spreadsheets are capped by the
# import form (agreements.imports), which says so in Russian instead of failing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The staff import reads files up to this size and this many rows (agreements.imports.files.Limits).
IMPORT_MAX_FILE_SIZE = envint("IMPORT_MAX_FILE_MB", "10") * 1024 * 1024
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", "20000")
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True

AGREEMENTS_PER_PAGE = envint("AGREEMENTS_PER_PAGE", "50")

# --- HTTPS (secure by default when DEBUG is off) -------------------------------------------------
# A plain-http setup (docker-compose on a laptop) opts out explicitly with SECURE_SSL_REDIRECT=0,
# SECURE_HSTS_SECONDS=0 and SECURE_COOKIES=0; production needs nothing beyond the README's variables.
if not DEBUG:
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "true")
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "true")
    # The Docker HEALTHCHECK asks gunicorn directly over http: it must not be redirected.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "31536000")
    if SECURE_HSTS_SECONDS < 0:
        raise ImproperlyConfigured(f"SECURE_HSTS_SECONDS must not be negative; got {SECURE_HSTS_SECONDS}")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
    # Preloading is a promise to browsers that is slow to undo: the operator opts in knowingly.
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "false")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_PROXY_SSL_HEADER = envproxyheader("SECURE_PROXY_SSL_HEADER")

# --- Login protection (django-axes) ----------------------------------------------------------------
# Repeated wrong passwords for one username from one address lock that pair out for a while; other
# users, and the same user elsewhere, can still log in. Staff see and delete the attempts in the admin
# ("Axes"); `manage.py axes_reset_username NAME` unlocks from the shell.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before the password
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", "5")
_cooloff_minutes = envint("AXES_COOLOFF_MINUTES", "30")
if AXES_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured(f"AXES_FAILURE_LIMIT must be at least 1; got {AXES_FAILURE_LIMIT}")
if _cooloff_minutes < 1:
    raise ImproperlyConfigured(f"AXES_COOLOFF_MINUTES must be at least 1; got {_cooloff_minutes}")
AXES_COOLOFF_TIME = timedelta(minutes=_cooloff_minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "agreements.middleware.lockout_response"

# --- Content Security Policy (django-csp) ----------------------------------------------------------
# Nothing inline and nothing from elsewhere: scripts, styles, images and fonts come from this site's
# static files. CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only (the
# browser reports violations, to CSP_REPORT_URI if set, instead of blocking) to try a change safely.
_csp_directives = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
if os.getenv("CSP_REPORT_URI", "").strip():
    _csp_directives["report-uri"] = [os.environ["CSP_REPORT_URI"].strip()]
if envbool("CSP_REPORT_ONLY", "false"):
    CONTENT_SECURITY_POLICY = None
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
}

# --- Public exports (agreements.throttle) -------------------------------------------------------
# Full exports stream for minutes to a slow client: at most this many at a time per client address
# and in all, so they cannot take every thread that serves pages. Slots are flock()ed files in a
# directory the workers on this host share; a killed worker's slots are freed by the kernel.
import tempfile  # noqa: E402 - imports kept in this block
import zlib  # noqa: E402

EXPORTS_PER_CLIENT = envint("EXPORTS_PER_CLIENT", "2")
EXPORTS_TOTAL = envint("EXPORTS_TOTAL", "4")
EXPORTS_RETRY_AFTER = envint("EXPORTS_RETRY_AFTER", "30")  # seconds, in the 429's Retry-After
# One directory per checkout (two sites on a host do not share slots), on the host's temporary disk.
EXPORTS_LOCK_DIR = os.getenv(
    "EXPORTS_LOCK_DIR",
    str(Path(tempfile.gettempdir()) / f"registry-exports-{zlib.crc32(str(BASE_DIR).encode()):08x}"),
)
# Behind a proxy every request comes from its address: name the header it puts the client's in
# (e.g. X-Forwarded-For; its last address is used, the one the proxy added). Empty: REMOTE_ADDR.
EXPORTS_CLIENT_HEADER = os.getenv("EXPORTS_CLIENT_HEADER", "").strip()
if EXPORTS_PER_CLIENT < 1 or EXPORTS_TOTAL < 1:
    raise ImproperlyConfigured("EXPORTS_PER_CLIENT and EXPORTS_TOTAL must be at least 1")

# --- JSON API (agreements.api) --------------------------------------------------------------------
# Read-only and anonymous: no authentication classes (so no session, no CSRF), JSON only.
import re as _re  # noqa: E402 - imports kept in this block

# Requests per client address and period (second, minute, hour, day), e.g. "120/minute"; counted in
# the default cache, which is per worker: a client may get this many from each gunicorn worker.
API_THROTTLE_RATE = os.getenv("API_THROTTLE_RATE", "120/minute").strip()
if not _re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured(f"API_THROTTLE_RATE must look like 120/minute; got {API_THROTTLE_RATE!r}")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_THROTTLE_CLASSES": ["agreements.public.api.plumbing.AnonymousThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "agreements.public.api.plumbing.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Реестр соглашений · Agreements registry API",
    "DESCRIPTION": "Published agreements between Kazakh and Russian parties, read-only. "
    "Language: ?lang=ru|en|kk, else Accept-Language, else Russian.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files are served by whitenoise from drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AgreementKind": "agreements.models.Agreement.Kind",
        "PartyKind": "agreements.models.Party.Kind",
    },
}
# Any origin may read the API (GET/HEAD, and the OPTIONS of a preflight); nothing else is shared.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
