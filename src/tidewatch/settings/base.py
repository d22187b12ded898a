"""Django settings shared by every deployment; values come from tidewatch.conf."""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url

from tidewatch import conf

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = conf.data_dir()
ARCHIVE_DIR = DATA_DIR / "archive"
LOGS_DIR = DATA_DIR / "logs"


def _secret_key() -> str:
    """The configured key, else one made once and kept beside the database."""
    configured = conf.get("TIDEWATCH_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = conf.get("TIDEWATCH_DEBUG") == "1"
ALLOWED_HOSTS = [h.strip() for h in conf.get("TIDEWATCH_ALLOWED_HOSTS").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves the API docs' Swagger UI locally, not from a CDN
    "tidewatch.publications",
    "tidewatch.agreements",
    "tidewatch.places",
    "tidewatch.site",
    "tidewatch.search",
    "tidewatch.documents",
    "tidewatch.costs",
]

# Order matters: static files leave at WhiteNoise; the CSP header is added on
# every reply, cached or not; the page cache needs the language (after
# LocaleMiddleware) and answers before the middleware that only views need.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "tidewatch.site.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "tidewatch.site.caching.DataVersionCacheMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tidewatch.urls"
WSGI_APPLICATION = "tidewatch.wsgi.application"

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
                "tidewatch.site.context_processors.language_links",
            ]
        },
    }
]

# SQLite pragmas: WAL for readers beside the writer; synchronous=FULL because
# with NORMAL a power loss can drop commits that were already acknowledged
# (docs/methods.md, "Durability"); IMMEDIATE so writers queue on the lock
# instead of failing half way with "database is locked".
SQLITE_INIT = (
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
)


def database_settings(url: str) -> dict:
    if not url:
        # SQLite cannot create its file in a folder that does not exist yet.
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'tidewatch.sqlite3'}"
    # PostgreSQL: keep a worker's connection for a minute (a new connection per
    # request costs more than most pages), checked before reuse.
    db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["CONN_MAX_AGE"] = 0
        db.setdefault("OPTIONS", {})
        db["OPTIONS"].update(
            {
                "init_command": SQLITE_INIT,
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
    return db


DATABASES = {"default": database_settings(conf.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Map geometry and scripts copied from npm by `make install` (not committed).
REPO_DIR = BASE_DIR.parent.parent
STATICFILES_DIRS = [
    ("map", d) for d in [REPO_DIR / "build" / "static" / "map"] if d.is_dir()
]
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no JavaScript here reads the token
# No inline scripts or styles anywhere: scripts are static files, data for
# them sits in data-* attributes or comes from /data/... (docs/settings.md).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
PERMISSIONS_POLICY = "camera=(), geolocation=(), microphone=(), payment=(), usb=()"

# Rendered responses, kept until the data changes (tidewatch.site.caching).
# One cache per worker process: a hit costs no database query at all.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "tidewatch-pages",
        "TIMEOUT": None,
        "OPTIONS": {"MAX_ENTRIES": 2000, "CULL_FREQUENCY": 4},
    },
}
TIDEWATCH_PAGE_CACHE = "pages"
TIDEWATCH_PAGE_CACHE_MAX_BYTES = 2 * 1024 * 1024  # compressed size, per response
TIDEWATCH_CACHE_SKIP = ("/admin/",)
TIDEWATCH_CACHE_CONTROL = "public, max-age=0, must-revalidate"
# Seconds a worker trusts the data version it last read: a hit then needs no
# database query; a change shows within this time.
TIDEWATCH_DATA_VERSION_TTL = 1.0

TIDEWATCH = {s.name: s.read() for s in conf.SETTINGS if s.name.startswith("TIDEWATCH_")}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "level": "WARNING"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
