"""Django settings, read from the environment with defaults that run on one machine.

`make run` needs no configuration at all: SQLite and uploads live in a git-ignored
`data/` folder, background work runs in threads of the server process. Production sets
DATABASE_URL / REDIS_URL / SECRET_KEY / ALLOWED_HOSTS (see README and deploy/).
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from ciasom.engine.photo import MAX_PIXELS
from ciasom.media import limits
from ciasom.media.capacity import default_capacity

BASE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("CIASOM_DATA_DIR") or PROJECT_ROOT / "data").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir.

    A fixed default key would let anyone forge sessions on an embedded install that never
    set one; a key regenerated on each start would log everybody out on each restart.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = DATA_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Behind nginx (deploy/): trust X-Forwarded-Proto / X-Forwarded-For from the proxy only.
TRUST_PROXY = env_bool("CIASOM_TRUST_PROXY")
if TRUST_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("CIASOM_SECURE_COOKIES")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "ciasom.accounts",
    "ciasom.faces",
    "ciasom.broadcasts",
    "ciasom.live",  # WHIP/WHEP, the publisher and player (the live media path)
    "ciasom.cluster",  # the web tier and media nodes (DESIGN §6); idle in `ciasom serve`
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Which process this is: "embedded" (`ciasom serve`: site and media in one process), "web"
# (`ciasom web`: site and signalling, media on the nodes) or "node" (`ciasom media-node`:
# media only, behind its internal API). The commands set it; see ciasom/cluster/.
CIASOM_ROLE = os.environ.get("CIASOM_ROLE", "embedded")
ROOT_URLCONF = "ciasom.cluster.urls" if CIASOM_ROLE == "node" else "ciasom.urls"
ASGI_APPLICATION = "ciasom.asgi.application"

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
                "ciasom.accounts.context.site",
                "ciasom.live.context.ice_servers",
                "ciasom.live.context.janus",
            ],
            "builtins": [
                "django.templatetags.i18n",
                "django.templatetags.static",
                "ciasom.templatetags.ciasom_tags",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'ciasom.sqlite3'}",
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page requests read while the enrolment thread writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests: a file, not shared-cache memory, whose table locks would fail the enrolment
    # threads at once instead of waiting like a real SQLite file does.
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"ciasom-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL") or None
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Several installs (or test runs) may share one Redis: each its own prefix.
            "KEY_PREFIX": os.environ.get("CIASOM_CACHE_PREFIX", "ciasom"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Internationalisation: Korean first, English for everyone whose browser asks for it.
LANGUAGE_CODE = os.environ.get("CIASOM_LANGUAGE", "ko")
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("CIASOM_TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns about a missing one
WHITENOISE_USE_FINDERS = True  # serve from the package without collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"  # public: avatars, broadcast thumbnails
PRIVATE_ROOT = DATA_DIR / "private"  # owner-only: enrolment photos and face crops
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "ciasom.faces.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads: phones send 2-8 MB photos; accept up to 20 MB each, 20 per request.
CIASOM_MAX_PHOTO_BYTES = int(os.environ.get("CIASOM_MAX_PHOTO_BYTES", 20 * 1024 * 1024))
CIASOM_MAX_PHOTOS_PER_PERSON = 20
CIASOM_MAX_PHOTO_PIXELS = MAX_PIXELS  # what the engine decodes at most (ciasom/engine/photo.py)
CIASOM_MAX_AVATAR_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 50  # hard guard; 20 is checked with a clear message
# Per-account enrolment quotas (ciasom/faces/quotas.py): people, photos kept, bytes of
# original photos on disk (pending, or kept with "keep original photos"), photos queued.
CIASOM_MAX_PEOPLE_PER_ACCOUNT = int(os.environ.get("CIASOM_MAX_PEOPLE_PER_ACCOUNT", 50))
CIASOM_MAX_PHOTOS_PER_ACCOUNT = int(os.environ.get("CIASOM_MAX_PHOTOS_PER_ACCOUNT", 500))
CIASOM_MAX_STORED_BYTES_PER_ACCOUNT = int(
    os.environ.get("CIASOM_MAX_STORED_BYTES_PER_ACCOUNT", 1024 * 1024 * 1024)
)
CIASOM_MAX_QUEUED_PHOTOS_PER_ACCOUNT = int(
    os.environ.get("CIASOM_MAX_QUEUED_PHOTOS_PER_ACCOUNT", 100)
)

# Background work (face enrolment) through Django's tasks API, queued in the database
# (ciasom/tasks.py): every server process runs CIASOM_TASK_WORKERS worker threads on the
# shared queue; 0 leaves it to `django-admin db_worker` processes.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
CIASOM_TASK_WORKERS = int(os.environ.get("CIASOM_TASK_WORKERS", 1))

# WebRTC: STUN/TURN servers handed to the pages and the media server.
CIASOM_ICE_SERVERS = json.loads(os.environ.get("CIASOM_ICE_SERVERS") or "[]")
CIASOM_ICE_HOSTS = env_list("CIASOM_ICE_HOSTS")
# Broadcasts this process's media holds at once (the embedded server, or a node's capacity);
# the next publisher gets 503 + Retry-After. Default: what the cores carry at 720p30.
CIASOM_MAX_STREAMS = int(os.environ.get("CIASOM_MAX_STREAMS") or default_capacity())
# The cluster (DESIGN §6): the secret on internal calls between the web tier and the nodes,
# the Redis key prefix (its control channel is PREFIX + "events"), and this node's name and
# internal address (set by `ciasom media-node`).
CIASOM_NODE_SECRET = os.environ.get("CIASOM_NODE_SECRET", "")
CIASOM_CLUSTER_PREFIX = os.environ.get("CIASOM_CLUSTER_PREFIX", "ciasom:cluster:")
CIASOM_NODE_NAME = os.environ.get("CIASOM_NODE_NAME", "")
CIASOM_NODE_ADDRESS = os.environ.get("CIASOM_NODE_ADDRESS", "")
# Viewers per broadcast; the next one gets 503 + Retry-After (DESIGN.md §3, WHEP).
CIASOM_MAX_VIEWERS = int(os.environ.get("CIASOM_MAX_VIEWERS", limits.MAX_VIEWERS))
# WHIP/WHEP sessions that have not connected (ICE + DTLS) this many seconds after their
# answer are closed: a viewer's slot is freed, a publisher's broadcast ends.
CIASOM_CONNECT_TIMEOUT = float(os.environ.get("CIASOM_CONNECT_TIMEOUT", limits.CONNECT_TIMEOUT))
# Viewers still connecting, per broadcast (connected ones count against MAX_VIEWERS).
CIASOM_MAX_PENDING_VIEWERS = int(os.environ.get("CIASOM_MAX_PENDING_VIEWERS", limits.MAX_PENDING))
# Peer connections per process (publishers + viewers), and viewer sessions per client address.
CIASOM_MAX_SESSIONS = int(os.environ.get("CIASOM_MAX_SESSIONS", limits.MAX_SESSIONS))
CIASOM_MAX_SESSIONS_PER_CLIENT = int(
    os.environ.get("CIASOM_MAX_SESSIONS_PER_CLIENT", limits.MAX_SESSIONS_PER_CLIENT)
)
# TURN with coturn's REST credentials (`use-auth-secret`): each page and WHIP/WHEP answer
# gets its own username/password, valid CIASOM_TURN_TTL seconds, minted from the secret
# shared with coturn's `static-auth-secret`. Unset: no TURN server is handed out.
CIASOM_TURN_URLS = env_list("CIASOM_TURN_URLS")
CIASOM_TURN_SECRET = os.environ.get("CIASOM_TURN_SECRET", "")
CIASOM_TURN_TTL = int(os.environ.get("CIASOM_TURN_TTL", 6 * 3600))
# Large audiences through Janus (deploy/janus): each live broadcast gets a private Streaming
# mountpoint on every Janus host listed (their HTTP API, comma-separated), fed the processed
# stream; our player watches there. CIASOM_JANUS_PUBLIC_URL: the same hosts' API as browsers
# reach it (nginx), same order; default the URLs above. CIASOM_JANUS_ADMIN_KEY: the Streaming
# plugin's admin_key. CIASOM_JANUS_CODEC: what the mountpoints carry (VP8 or H264). Unset (the
# default): no Janus, the node's own WHEP serves everyone, up to CIASOM_MAX_VIEWERS.
CIASOM_JANUS_URL = env_list("CIASOM_JANUS_URL")
CIASOM_JANUS_PUBLIC_URL = env_list("CIASOM_JANUS_PUBLIC_URL")
CIASOM_JANUS_ADMIN_KEY = os.environ.get("CIASOM_JANUS_ADMIN_KEY", "")
CIASOM_JANUS_CODEC = "video/" + os.environ.get("CIASOM_JANUS_CODEC", "VP8").upper()
if CIASOM_JANUS_CODEC not in ("video/VP8", "video/H264"):
    raise ValueError(f"CIASOM_JANUS_CODEC must be VP8 or H264, not {CIASOM_JANUS_CODEC[6:]!r}")
# Request bodies larger than this are refused with 413 before anything reads them; SDP
# routes and photo uploads have their own limits (ciasom/bodylimit.py).
CIASOM_MAX_BODY_BYTES = int(os.environ.get("CIASOM_MAX_BODY_BYTES", 1024 * 1024))
# A request whose body stalls (no byte for this many seconds) is answered 408.
CIASOM_BODY_TIMEOUT = float(os.environ.get("CIASOM_BODY_TIMEOUT", 30))

# A moderator's end keeps the host off the air this long (any of their broadcasts).
CIASOM_MODERATOR_BLOCK_HOURS = float(os.environ.get("CIASOM_MODERATOR_BLOCK_HOURS", 24))

# Login / sign-up abuse limits (counted in the cache: Redis when configured).
CIASOM_LOGIN_FAILURES_PER_USER = int(os.environ.get("CIASOM_LOGIN_FAILURES_PER_USER", 10))
CIASOM_LOGIN_FAILURES_PER_IP = int(os.environ.get("CIASOM_LOGIN_FAILURES_PER_IP", 50))
CIASOM_LOGIN_WINDOW_SECONDS = 15 * 60
CIASOM_SIGNUPS_PER_IP_PER_HOUR = int(os.environ.get("CIASOM_SIGNUPS_PER_IP_PER_HOUR", 20))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "ciasom.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ciasom API",
    "DESCRIPTION": (
        "Live streaming without exposing bystanders. Token auth: "
        "`Authorization: Token <token>` (get one from POST /api/token)."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.request": {"level": "ERROR"}},
}
