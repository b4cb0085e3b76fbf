"""Settings shared by every environment. Each integration has its own module below."""

from __future__ import annotations

import django_stubs_ext

from config.env import BASE_DIR, env

# Lets model and admin classes be subscripted for mypy (Field[...], ModelAdmin[...]) at run time.
django_stubs_ext.monkeypatch()

SECRET_KEY: str = env.str("DJANGO_SECRET_KEY", default="")
DEBUG: bool = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django_prometheus",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_celery_beat",
    "core",
    "accounts",
    "arbitrage",
    "compliance",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "core.middleware.RequestIdMiddleware",
    "accounts.middleware.AuditContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# The database comes from DATABASE_URL; each environment module sets a default.
DATABASES: dict[str, dict[str, object]] = {}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
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
LOGIN_URL = "/admin/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# Where the shared, read-only data (the mainnet snapshot) lives: next to the project root.
SHARED_DATA_DIR = env.path("ARBX_SHARED_DATA_DIR", default=str(BASE_DIR.parent / "shared" / "data"))

# Where the Foundry project lives: the executor's ABI (contracts/out) and the npm artifacts.
ARBX_CONTRACTS_DIR = env.path("ARBX_CONTRACTS_DIR", default=str(BASE_DIR / "contracts"))

# Execution mode: a fresh install never signs or sends (DESIGN decision 4).
ARBX_EXECUTION_MODE: str = env.str("ARBX_EXECUTION_MODE", default="dry_run")
if ARBX_EXECUTION_MODE not in ("dry_run", "live"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("ARBX_EXECUTION_MODE must be dry_run or live")

# The RPC endpoint of the chain the workers serve, and its timeout in seconds.
ARBX_RPC_URL: str = env.str("ARBX_RPC_URL", default="http://127.0.0.1:8545")
ARBX_RPC_TIMEOUT: float = env.float("ARBX_RPC_TIMEOUT", default=10.0)
# The calls' resilience policy (arbitrage/chain/resilience.py): attempts of an idempotent read,
# the first backoff and its cap (seconds, doubling, with jitter), consecutive failures that open
# an endpoint's circuit and the seconds before it is tried again, and how often the other
# endpoints' heads are probed to measure a lagging node.
ARBX_RPC_ATTEMPTS: int = env.int("ARBX_RPC_ATTEMPTS", default=3)
ARBX_RPC_BACKOFF: float = env.float("ARBX_RPC_BACKOFF", default=0.05)
ARBX_RPC_BACKOFF_MAX: float = env.float("ARBX_RPC_BACKOFF_MAX", default=0.5)
ARBX_RPC_BREAKER_FAILURES: int = env.int("ARBX_RPC_BREAKER_FAILURES", default=5)
ARBX_RPC_BREAKER_RESET: float = env.float("ARBX_RPC_BREAKER_RESET", default=10.0)
ARBX_RPC_PROBE_SECONDS: float = env.float("ARBX_RPC_PROBE_SECONDS", default=5.0)
ARBX_CHAIN_ID: int = env.int("ARBX_CHAIN_ID", default=31337)
# Largest block range asked of eth_getLogs at once (halved when the node refuses).
ARBX_LOG_RANGE: int = env.int("ARBX_LOG_RANGE", default=2000)
# The block watcher trades each pushed block's best cycle itself before queueing its sync
# (arbitrage/pipeline/lane/fastlane.py). On by default; false leaves every block to the queues.
ARBX_FAST_LANE: bool = env.bool("ARBX_FAST_LANE", default=True)
# How long an approved trade may wait for its execute task before the reconciler takes it.
ARBX_RECONCILE_GRACE_SECONDS: float = env.float("ARBX_RECONCILE_GRACE_SECONDS", default=30.0)

from config.settings.components.axes import *  # noqa: E402, F403
from config.settings.components.celery import *  # noqa: E402, F403
from config.settings.components.compliance import *  # noqa: E402, F403
from config.settings.components.drf import *  # noqa: E402, F403
from config.settings.components.jwt import *  # noqa: E402, F403
from config.settings.components.logging import *  # noqa: E402, F403
from config.settings.components.observability import *  # noqa: E402, F403
