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
