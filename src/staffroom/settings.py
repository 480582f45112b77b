"""Staffroom settings: everything comes from the environment, with safe defaults for the embedded mode.

Embedded (default): SQLite in WAL mode, in-memory channel layer, local-memory cache; one process, no services.
Scale-out: set DATABASE_URL (PostgreSQL) and REDIS_URL; the same code paths run on both.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from staffroom.log_format import formatter_for


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _processors() -> int:
    """Processors this process may run on (a container's or taskset's share, not the whole machine's)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("STAFFROOM_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "files"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)


def _secret_key() -> str:
    """Read the key from the environment, or create one in the data directory on first run (never in the repo)."""
    if key := os.environ.get("STAFFROOM_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("STAFFROOM_DEBUG")
ALLOWED_HOSTS = os.environ.get("STAFFROOM_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
STAFFROOM_TRUST_X_FORWARDED_FOR = _env_bool("STAFFROOM_TRUST_X_FORWARDED_FOR")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("STAFFROOM_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "staffroom.accounts",
    "staffroom.compliance",
    "staffroom.realtime",
    "staffroom.messaging",
    "staffroom.safeguarding",
    "staffroom.notifications",
    "staffroom.rosters",
    "staffroom.web",
    "staffroom.api",
    "staffroom.scim",
    "staffroom.worker",
    "staffroom.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "staffroom.admission.OverloadMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their caching; before the rest, so it sees every other answer.
    "staffroom.cache_control.private_answers",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Says whose pages the service worker may keep offline; Clear-Site-Data on signing out (staffroom/offline.py).
    "staffroom.offline.OfflineMiddleware",
    # After the sign-in is known: the person's own language beats the browser's, which LocaleMiddleware chose.
    "staffroom.web.language.PersonLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "staffroom.compliance.middleware.AuditOriginMiddleware",
    # After the audit origin, so a refused console page is recorded with the address it came from.
    "staffroom.compliance.middleware.RefusalAuditMiddleware",
    # After the audit origin (its ending of a session is audited with the address) and the messages (it says why).
    "staffroom.accounts.access.AccessMiddleware",
    # After the access check: someone who may not use Staffroom at all is not asked to set up a second step.
    "staffroom.accounts.second_factor.SecondFactorMiddleware",
    # After the second step: someone who must set one up does that first, then reads the policies they owe.
    "staffroom.web.guards.PolicyAcknowledgementMiddleware",
]

ROOT_URLCONF = "staffroom.urls"
ASGI_APPLICATION = "staffroom.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The web app's templates come first so they can override allauth's (which is installed earlier).
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "staffroom.web.context_processors.admin_console",
                "staffroom.web.context_processors.device",
                "staffroom.web.context_processors.safeguarding",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=0)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # A per-process connection pool: under ASGI, Django's persistent connections do not carry across
        # requests, and opening a connection per request doubled the cost of each API call.
        DATABASES["default"]["OPTIONS"] = {
            "pool": {"min_size": 2, "max_size": _env_int("STAFFROOM_DB_POOL_SIZE", 10), "timeout": 10}
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "staffroom.sqlite3"),
            # Requests run on the admission slots' long-lived threads (staffroom.admission), so each thread keeps
            # its connection rather than opening one (and running the PRAGMAs) per request.
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # WAL lets readers run while one writer writes; IMMEDIATE takes the write lock at BEGIN so two
                # writers queue on busy_timeout instead of failing with "database is locked" mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer and cache ------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Embedded: no channel layer at all. The hub fans events out in-process (staffroom.realtime.hub); the
    # in-memory layer scanned every channel on every send and copied every message.
    CHANNEL_LAYERS = {}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- People and sign-in -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.Person"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
ACCOUNT_ADAPTER = "staffroom.accounts.adapter.StaffroomAccountAdapter"
ACCOUNT_FORMS = {"login": "staffroom.web.forms.SignInForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# The school issues the one sign-in address (DESIGN.md invariant 3); allauth's pages for adding others are not
# served either (urls.py).
ACCOUNT_MAX_EMAIL_ADDRESSES = 1
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = None
# Failed sign-ins, web form and API token endpoint together: 10 a minute per client address, and 5 in 5 minutes
# per account *from one address* (the adapter makes "key" the account and address), so a guesser elsewhere does
# not lock the owner out. docs/operations.md has the policy.
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "login": "30/m/ip"}
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "web:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
USERSESSIONS_TRACK_ACTIVITY = True
USERSESSIONS_ADAPTER = "staffroom.accounts.adapter.StaffroomUserSessionsAdapter"
# A second sign-in step: an authenticator app (TOTP) or a passkey (WebAuthn), each backed up by recovery codes.
# Who must have one is each organisation's policy (accounts/second_factor.py), set in the console.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "Staffroom"
MFA_ADAPTER = "staffroom.accounts.adapter.StaffroomMFAAdapter"
# A passkey is both steps at once (the device, and the fingerprint or PIN that unlocks it): offered on the
# sign-in page instead of the password.
MFA_PASSKEY_LOGIN_ENABLED = True
# allauth refuses a second step to anyone with an unverified address, lest someone sign up with another's address
# and lock its owner out. There is no sign-up here: every address is issued by the school.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Passkeys are bound to an HTTPS origin. Plain HTTP is accepted only while the server answers to loopback names
# alone (the embedded default and the tests); a server reachable by any other name must be served over HTTPS.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = all(h in {"127.0.0.1", "localhost", "[::1]", "::1"} for h in ALLOWED_HOSTS)

# Single sign-on through the school's Google Workspace or Entra ID, configured per organisation in the console
# (/admin/sign-in/, stored as allauth SocialApps). It only ever signs in people the school has already added
# (accounts/sso.py): no sign-up, no e-mail matching by allauth itself, no provider tokens kept.
SOCIALACCOUNT_ADAPTER = "staffroom.accounts.sso.StaffroomSocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10  # seconds: the provider's token and userinfo endpoints

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12  # a school day and an evening; staff sign in again each day
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- HTTPS in production, behind a TLS proxy (docs/operations.md) ------------------------------------------
# STAFFROOM_SECURE_COOKIES=1 says the site is served over HTTPS: cookies are then sent over HTTPS only, and
# browsers are told (HSTS) to use nothing but HTTPS for the site for a year. HSTS is never sent without it:
# a browser that has seen it refuses plain HTTP until it expires, which would lock out an HTTP-only site.
SESSION_COOKIE_SECURE = _env_bool("STAFFROOM_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = _env_int("STAFFROOM_HSTS_SECONDS", 365 * 24 * 3600) if SESSION_COOKIE_SECURE else 0
# Off by default: they bind every subdomain of the school's domain, and (preload) outlive this server.
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("STAFFROOM_HSTS_INCLUDE_SUBDOMAINS")
SECURE_HSTS_PRELOAD = _env_bool("STAFFROOM_HSTS_PRELOAD")
# Behind a proxy that ends TLS, every request reaches us as plain HTTP; the proxy's X-Forwarded-Proto says how
# the browser came. Trust it only when the proxy sets it (and strips any the client sent): otherwise anyone
# could claim HTTPS. Without it, HSTS (sent on HTTPS requests only) and the HTTPS redirect cannot work.
if _env_bool("STAFFROOM_TRUST_X_FORWARDED_PROTO"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Usually the proxy redirects HTTP to HTTPS itself; this does it here instead. Health probes stay on HTTP.
SECURE_SSL_REDIRECT = _env_bool("STAFFROOM_SSL_REDIRECT")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- Content security policy ------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    # The service worker (/sw.js) and the web app manifest (/manifest.webmanifest), both from this site only.
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
}

# --- Email ------------------------------------------------------------------------------------------------
# Staffroom sends only account mail (password resets). With STAFFROOM_SMTP_HOST set it goes through the school's
# mail server; without it (embedded mode) each message is written as a file under DATA_DIR/mail for the operator,
# so a missing mail server never breaks a page. A send that fails anyway is logged, never shown (accounts.adapter).
if os.environ.get("STAFFROOM_SMTP_HOST"):
    _smtp_security = os.environ.get("STAFFROOM_SMTP_SECURITY", "starttls").strip().lower()
    if _smtp_security not in {"starttls", "ssl", "none"}:
        raise ValueError("STAFFROOM_SMTP_SECURITY must be starttls, ssl or none.")
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["STAFFROOM_SMTP_HOST"],
                "port": _env_int("STAFFROOM_SMTP_PORT", 465 if _smtp_security == "ssl" else 587),
                "username": os.environ.get("STAFFROOM_SMTP_USER", ""),
                "password": os.environ.get("STAFFROOM_SMTP_PASSWORD", ""),
                "use_tls": _smtp_security == "starttls",
                "use_ssl": _smtp_security == "ssl",
                "timeout": 10,  # seconds: a mail server that hangs must not hold a sign-in page open
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(DATA_DIR / "mail")},
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("STAFFROOM_FROM_EMAIL", "staffroom@localhost")

# --- Language ---------------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# The person's stored choice ("en" or "cy", accounts.models.Language) wins, else the browser's Accept-Language
# (web/language.py); Welsh dates and times come from Django's own cy formats.
LANGUAGES = [("en-gb", "English (UK)"), ("cy", "Cymraeg")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Files ------------------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STAFFROOM_MAX_UPLOAD_BYTES = _env_int("STAFFROOM_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# A roster ZIP uploaded in the admin console (it is read in memory, never written to a temporary file).
STAFFROOM_MAX_ROSTER_UPLOAD_BYTES = _env_int("STAFFROOM_MAX_ROSTER_UPLOAD_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Image processing budget ------------------------------------------------------------------------------
# A picture's cost is its pixels, not its bytes: a 200 KB PNG declaring 7000 x 7000 took 4 s and ~200 MB per
# copy to decode. Above this many pixels a picture is refused from its header alone, before decoding; a 12 MP
# phone photo is well within it. JPEG photos above it are decoded (and kept) at 1/2, 1/4 or 1/8 of their size.
STAFFROOM_MAX_IMAGE_PIXELS = _env_int("STAFFROOM_MAX_IMAGE_PIXELS", 32_000_000)
# Pictures decoded and re-encoded at once per process (default: the processors this process may use); the
# next waits up to STAFFROOM_IMAGE_WAIT_SECONDS for its turn, then is answered 503 with Retry-After.
STAFFROOM_IMAGE_REENCODES = _env_int("STAFFROOM_IMAGE_REENCODES", _processors())
STAFFROOM_IMAGE_WAIT_SECONDS = _env_int("STAFFROOM_IMAGE_WAIT_SECONDS", 10)

# --- Upload allowances ------------------------------------------------------------------------------------
# Files uploaded but not yet on a message ("unsent") are held for their uploader only, so without a cap one
# person could fill the disk. Staff may keep two full messages' worth waiting (10 files each); pupils, one.
# Unsent files older than STAFFROOM_UNSENT_UPLOAD_HOURS are deleted by `staffroom purge_uploads`.
_MB = 1024 * 1024
STAFFROOM_UNSENT_UPLOAD_FILES = _env_int("STAFFROOM_UNSENT_UPLOAD_FILES", 20)
STAFFROOM_UNSENT_UPLOAD_BYTES = _env_int("STAFFROOM_UNSENT_UPLOAD_BYTES", 200 * _MB)
STAFFROOM_PUPIL_UNSENT_UPLOAD_FILES = _env_int("STAFFROOM_PUPIL_UNSENT_UPLOAD_FILES", 10)
STAFFROOM_PUPIL_UNSENT_UPLOAD_BYTES = _env_int("STAFFROOM_PUPIL_UNSENT_UPLOAD_BYTES", 40 * _MB)
# Everything a person uploads in any 24 hours, sent or not: caps a flood of files posted straight into messages.
STAFFROOM_DAILY_UPLOAD_BYTES = _env_int("STAFFROOM_DAILY_UPLOAD_BYTES", 500 * _MB)
STAFFROOM_PUPIL_DAILY_UPLOAD_BYTES = _env_int("STAFFROOM_PUPIL_DAILY_UPLOAD_BYTES", 100 * _MB)
STAFFROOM_UNSENT_UPLOAD_HOURS = _env_int("STAFFROOM_UNSENT_UPLOAD_HOURS", 24)

# --- Overload: what one server takes on at once (staffroom/admission.py) ----------------------------------
# About what the database serves at once: the pool on PostgreSQL; SQLite has one writer, and a few readers.
# Two connections are left for the sockets and the hub.
STAFFROOM_MAX_ACTIVE_REQUESTS = _env_int(
    "STAFFROOM_MAX_ACTIVE_REQUESTS",
    max(2, _env_int("STAFFROOM_DB_POOL_SIZE", 10) - 2) if os.environ.get("DATABASE_URL") else 8,
)
STAFFROOM_MAX_QUEUED_REQUESTS = _env_int("STAFFROOM_MAX_QUEUED_REQUESTS", 500)
STAFFROOM_QUEUE_SECONDS = float(os.environ.get("STAFFROOM_QUEUE_SECONDS", "5"))

# Per-message deflate on the events socket: saves bandwidth, costs CPU once per socket per event.
STAFFROOM_WS_COMPRESSION = _env_bool("STAFFROOM_WS_COMPRESSION")

# --- Product limits ---------------------------------------------------------------------------------------
STAFFROOM_MAX_MESSAGE_LENGTH = 10_000
STAFFROOM_MAX_TITLE_LENGTH = 120
# How long a process keeps a school's roster and safeguarding policy for the send path's checks.
STAFFROOM_SAFEGUARDING_CACHE_SECONDS = 60
# Requests one SCIM token may make a minute (an identity provider's sync sends bursts; 429 asks it to wait).
STAFFROOM_SCIM_REQUESTS_PER_MINUTE = _env_int("STAFFROOM_SCIM_REQUESTS_PER_MINUTE", 1200)
STAFFROOM_DEMO_PASSWORD = os.environ.get("STAFFROOM_DEMO_PASSWORD", "")
# Scheduled work runs in a thread of `staffroom serve` unless it has its own process (`staffroom worker`), as it
# should when there are several nodes.
STAFFROOM_IN_PROCESS_WORKER = _env_bool("STAFFROOM_IN_PROCESS_WORKER", not os.environ.get("DATABASE_URL"))
# Events are kept this long so a client that was offline can resume without a gap.
STAFFROOM_EVENT_RETENTION_DAYS = _env_int("STAFFROOM_EVENT_RETENTION_DAYS", 14)
# Termly membership reviews (messaging/reviews.py): the days terms start (MM-DD, in any order), and how long
# into a term a review may wait before the register shows it overdue.
STAFFROOM_TERM_STARTS = os.environ.get("STAFFROOM_TERM_STARTS", "09-01,01-01,04-15")
STAFFROOM_REVIEW_GRACE_DAYS = _env_int("STAFFROOM_REVIEW_GRACE_DAYS", 28)
# Whose bank holidays move a subject access request's due date (compliance/sar_dates.py): england-and-wales,
# scotland or northern-ireland (the school's nation; a trust across nations picks where its DPO works).
STAFFROOM_SAR_NATION = os.environ.get("STAFFROOM_SAR_NATION", "england-and-wales").strip().lower()

# --- Notifications (Web Push; docs/notifications.md) -------------------------------------------------------
# The VAPID key pair that signs pushes: from the environment (every node of a cluster must share one), or made
# on first use in the data directory. A base64url raw private key (32 bytes), its DER, or a PEM.
STAFFROOM_VAPID_PRIVATE_KEY = os.environ.get("STAFFROOM_VAPID_PRIVATE_KEY", "")
# Who push services may contact about this server's pushes (a mailto: or https: address).
STAFFROOM_VAPID_SUBJECT = os.environ.get("STAFFROOM_VAPID_SUBJECT", "") or f"mailto:{DEFAULT_FROM_EMAIL}"
# "thread": pushes are sent by a background thread of each process, never in the request; "inline" sends them
# as the transaction commits (tests); "off" sends none.
STAFFROOM_PUSH_DELIVERY = os.environ.get("STAFFROOM_PUSH_DELIVERY", "thread")
# Push addresses are accepted only at these push services (a host or its subdomains), so the server never posts
# to an address of someone's choosing (an internal service, say). Browsers' own services by default.
STAFFROOM_PUSH_SERVICES = [
    h.strip().lower()
    for h in os.environ.get(
        "STAFFROOM_PUSH_SERVICES",
        "fcm.googleapis.com,android.googleapis.com,updates.push.services.mozilla.com,push.apple.com,notify.windows.com",
    ).split(",")
    if h.strip()
]
# Plain-HTTP push addresses on this machine (127.0.0.1, localhost), for development and the tests only.
STAFFROOM_PUSH_ALLOW_LOOPBACK = _env_bool("STAFFROOM_PUSH_ALLOW_LOOPBACK", DEBUG)
# How long a push service keeps a notification for a device that is off (a stale "new message" helps nobody).
STAFFROOM_PUSH_TTL_SECONDS = _env_int("STAFFROOM_PUSH_TTL_SECONDS", 12 * 3600)
# Pushes sent at once per process (each is one HTTPS request to a push service).
STAFFROOM_PUSH_SENDERS = _env_int("STAFFROOM_PUSH_SENDERS", 4)
# Devices one person may have notifications on.
STAFFROOM_PUSH_DEVICES_PER_PERSON = _env_int("STAFFROOM_PUSH_DEVICES_PER_PERSON", 10)

# --- Logs on stderr: plain lines at a terminal, one JSON object per line for log shippers ------------------
STAFFROOM_LOG_FORMAT = formatter_for(os.environ.get("STAFFROOM_LOG_FORMAT", "auto"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "staffroom.log_format.JsonFormatter"},
        "text": {"()": "staffroom.log_format.TextFormatter"},
    },
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": STAFFROOM_LOG_FORMAT}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("STAFFROOM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "uvicorn.access": {"level": "WARNING"},
    },
}
