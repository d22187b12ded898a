"""Settings for a public deployment behind HTTPS."""

from tidewatch.settings.base import *  # noqa: F403

DEBUG = False
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Behind a proxy that terminates TLS (nginx, Caddy): it must set this header
# itself (overwriting any a client sent), or redirects would loop. See
# docs/settings.md, "Security headers".
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
