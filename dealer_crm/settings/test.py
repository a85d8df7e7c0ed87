"""The test suite: same apps as production, fast hashing, mail kept in memory."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("ALLOWED_HOSTS", "*")
# The suite moves its frozen clock over days with one logged-in client; the idle logout has its own tests
# (tests/core/test_sessions.py), which set the production default of 4 hours.
os.environ.setdefault("SESSION_IDLE_MINUTES", str(365 * 24 * 60))

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "zh-hans"

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
