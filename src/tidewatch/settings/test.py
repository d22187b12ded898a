"""Test settings: a throw-away data folder, a cheap password hasher, plain static
storage. The environment is set before the base settings read it."""

import os
import tempfile

os.environ.setdefault("TIDEWATCH_DATA_DIR", tempfile.mkdtemp(prefix="tidewatch-test-"))
os.environ.setdefault("TIDEWATCH_SECRET_KEY", "tests-only-not-secret")

from tidewatch.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 (whitenoise warns without it)

# Tests share one process and roll the database back between them, so two
# tests can meet the same data version with different data: no page cache
# here, and the data version read on every request. tests/test_caching.py
# turns the cache on for itself.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
}
TIDEWATCH_DATA_VERSION_TTL = 0
