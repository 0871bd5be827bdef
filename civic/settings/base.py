"""Settings shared by every environment; secrets and URLs come from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from civic.csp import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "local-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.forms",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "axes",
    "civic.apps.CivicConfig",
    "surveys.apps.SurveysConfig",
    "sensors.apps.SensorsConfig",
    "priority.apps.PriorityConfig",
    "interventions.apps.InterventionsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "civic.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Early, before anything reads the path, query or cookies (a session, a filter).
    "civic.middleware.RefuseControlCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Last, as axes asks: it turns a login refused for a lock into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civic.urls"
# Widgets render with the project's templates, so templates/leaflet/ replaces
# django-leaflet's widget (and its inline script) in the admin too.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "civic.wsgi.application"

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
                "civic.context_processors.roles",
                "civic.context_processors.menu",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:54329/civic"),
        engine="django.contrib.gis.db.backends.postgis",
        conn_max_age=60,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:63799/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "civic",
    }
}

AUTH_USER_MODEL = "civic.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every login of a locked account or client before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "civic:start"
LOGOUT_REDIRECT_URL = "civic:map"

# django-allauth: residents sign up with an e-mail address and log in with it.
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "civic.accounts.ResidentAccountAdapter"
# Sign-up never says an address is taken: the owner gets an e-mail instead, and
# a new resident confirms the address by the link before the first login.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_FORMS = {"signup": "civic.accounts.ResidentSignupForm"}
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_RATE_LIMITS = {
    # Failed logins are counted by axes below, per account whatever name is
    # typed and on every entry point; allauth's own count (per typed text, web
    # only) would answer first with a different message, so it is off.
    "login_failed": None,
}

# The client address (civic.clients.client_ip): REMOTE_ADDR, or X-Forwarded-For
# through this many trusted reverse proxies (0 = the header is never trusted).
CIVIC_NUM_PROXIES = int(os.environ.get("DJANGO_NUM_PROXIES") or 0)
ALLAUTH_TRUSTED_PROXY_COUNT = CIVIC_NUM_PROXIES

# django-axes: password guessing locks the account and the client.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
# Either is enough to lock: the account (every login name of it), or the address.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "civic.lockout.login_identity"
AXES_CLIENT_IP_CALLABLE = "civic.lockout.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "civic.lockout.lockout_response"
# Tries during a lock are refused but not counted, so the lock lifts one cool-off
# after the last counted failure (the Retry-After we announce), not later.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful login does not wipe the count: an attacker with an account of
# their own could otherwise reset the address lock between guesses.
AXES_RESET_ON_SUCCESS = False
# Logs and stored attempts never hold the password; the log lines mask the
# login name and address too (the attempt rows keep them for administrators).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "login", "password"]
# Keep failures only: no row with address and browser for every successful login.
AXES_DISABLE_ACCESS_LOG = True
# No banner at every start; lockouts are logged as warnings all the same.
AXES_VERBOSE = False

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Photos are private until a concern is published, so they are served through
# a view that checks permissions (civic.api.views.ConcernPhotoView), never from MEDIA_URL.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / ".local" / "media"))
MEDIA_URL = "/media-not-served/"

DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "participatie@zwolle.test")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # DRF's parsers, refusing deep JSON and NUL with a 400 (civic.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "civic.api.parsers.JSONParser",
        "civic.api.parsers.FormParser",
        "civic.api.parsers.MultiPartParser",
    ],
    # drf-spectacular's, completed with errors, public operations and nulls.
    "DEFAULT_SCHEMA_CLASS": "civic.api.schema.CivicAutoSchema",
    "EXCEPTION_HANDLER": "civic.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "civic.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "civic.api.throttling.AnonRateThrottle",
        "civic.api.throttling.UserRateThrottle",
    ],
    # Our throttles take the address from civic.clients.client_ip; this keeps any
    # stock DRF throttle consistent with it (DRF's None would trust the whole header).
    "NUM_PROXIES": CIVIC_NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon": "600/hour",
        "user": "3000/hour",
        "token": "20/minute",
        "survey_answer": "30/hour",  # anonymous survey answers (codes), per address
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Participatory planning workflow API",
    "DESCRIPTION": "Concerns, challenges, evidence and their workflow.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge from validator.swagger.io: offline, and the CSP loads no image from elsewhere.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "QuantityEnum": "sensors.quantities.QUANTITY_CHOICES",
        # Three serializers have a "kind" (periods, survey questions, sensors; areas
        # inline): these keep each enum's name stable.
        "PeriodKindEnum": "civic.models.EvidencePeriod.Kind",
        "QuestionKindEnum": "surveys.models.Question.Kind",
        "SensorKindEnum": "sensors.models.Sensor.Kind",
        # Two serializers have an "outcome" (concerns, council decisions).
        "OutcomeEnum": "civic.models.Concern.Outcome",
        "InterventionKindEnum": "interventions.models.Intervention.Kind",
        "DecisionOutcomeEnum": "interventions.models.Decision.Outcome",
        # The "type" of a paginated FeatureCollection (civic.api.schema).
        "GisFeatureCollectionEnum": ["FeatureCollection"],
    },
}

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (52.528, 6.06),
    "DEFAULT_ZOOM": 14,
    "MIN_ZOOM": 10,
    "MAX_ZOOM": 19,
    # Offline by design: no tile server is reachable, so maps draw the
    # neighbourhood polygons as the base layer. Set CIVIC_TILES_URL to use tiles.
    "TILES": [],
    "RESET_VIEW": False,
}
CIVIC_TILES_URL = os.environ.get("CIVIC_TILES_URL", "")

# No script from user text: every page gets a Content-Security-Policy without
# inline script or style (civic/csp.py); images may also come from the tile host.
CONTENT_SECURITY_POLICY = content_security_policy(tiles_url=CIVIC_TILES_URL)
# Links to other sites do not carry our URLs (survey ids, search filters) along.
SECURE_REFERRER_POLICY = "same-origin"

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing happens after a commit in a web request: fail fast when Redis is
# down (the beat sweep catches up from the database) instead of hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2}
# The core's periodic jobs; each app adds its own jobs and queues from its
# AppConfig.ready() (civic.celery.jobs_register): the core names no app's job.
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {
        "task": "civic.notifications_sweep",
        "schedule": 300.0,
    },
    # Queue the evidence sources whose stale markers were never picked up.
    "evidence-sweep": {
        "task": "civic.evidence_sweep",
        "schedule": 60.0,
    },
    # The live "last 30 days" moves at midnight.
    "periods-roll": {
        "task": "civic.periods_roll",
        "schedule": crontab(hour=0, minute=5),
    },
}

# JSON from clients may nest this deep (objects and arrays); deeper is a 400.
CIVIC_JSON_MAX_DEPTH = 64
# A JSON body may be this large (a full batch of 10,000 readings is ~1 MB); a
# larger one is a 413 before it is parsed, since parsing costs ~20x its size.
CIVIC_JSON_MAX_BYTES = 2 * 1024 * 1024
# Concern limits (bad input gets a 400 naming the field).
CIVIC_CONCERN_MAX_DESCRIPTION = 2000
CIVIC_PHOTO_MAX_BYTES = 8 * 1024 * 1024
# Checked from a photo's header, before any pixel is decoded: its pixel count,
# and the memory decoding and shrinking it will hold (civic.photos, measured by
# bench/photo_memory.py): 24 MP for a JPEG, ~21 MP for a PNG, ~5 MP for a WebP.
CIVIC_PHOTO_MAX_PIXELS = 24_000_000
CIVIC_PHOTO_DECODE_MAX_BYTES = 92 * 1024 * 1024
# The stored copy is shrunk to at most this many pixels on its long side.
CIVIC_PHOTO_MAX_EDGE = 2048
# One recompute per burst of sensor ingests (seconds; 0 = one per ingest). Runs
# never pile up (one at a time, going round while readings wait), so this only
# delays the first round: 1 s keeps a lone reading's figures within 2 s
# (bench/freshness.py). Whole seconds: Django's Redis cache rounds key timeouts down.
SENSORS_RECOMPUTE_DEBOUNCE_S = 1
# An active sensor that sent nothing for this long is marked silent (its owner is told).
SENSORS_SILENT_AFTER_HOURS = int(os.environ.get("SENSORS_SILENT_AFTER_HOURS") or 24)
# One survey-signal recompute per burst of answers (seconds).
SURVEYS_SIGNAL_DEBOUNCE_S = 10
# One priority-score recompute per burst of changes (evidence, weights, links; seconds).
PRIORITY_RECOMPUTE_DEBOUNCE_S = 2
# Residents' follow-up of completed interventions (interventions.services.followup):
# asked this many days after completion, the question stays open ANSWER_DAYS days,
# and e-mail links start with CIVIC_SITE_URL (the address residents open the service at).
INTERVENTIONS_FOLLOWUP_AFTER_DAYS = 28
INTERVENTIONS_FOLLOWUP_ANSWER_DAYS = 60
CIVIC_SITE_URL = os.environ.get("CIVIC_SITE_URL", "http://localhost:8000").rstrip("/")
# Distances and areas are computed in this projected CRS (RD New).
CIVIC_WORKING_SRID = 28992
# Grouping suggestions (civic.grouping): concerns of one theme within EPS_M metres
# of each other form a cluster once MIN_POINTS are together; likely duplicates lie
# within DUPLICATE_DISTANCE_M metres and share this much text (pg_trgm, 0-1).
CIVIC_GROUPING_EPS_M = 150
CIVIC_GROUPING_MIN_POINTS = 3
CIVIC_DUPLICATE_DISTANCE_M = 30
CIVIC_DUPLICATE_SIMILARITY = 0.5

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Evidence periods (civic.periods). The warm season of each year: (month, day) of
# its first and last day. Heat waves after KNMI: at least HEAT_WAVE_MIN_DAYS days
# in a row with the network's median Tmax >= HEAT_WAVE_WARM_C, of which at least
# HEAT_WAVE_HOT_DAYS >= HEAT_WAVE_HOT_C. Pages show the current season once it
# has CIVIC_SEASON_MIN_DAYS days of data, before that the last complete one.
CIVIC_WARM_SEASON = ((5, 1), (9, 30))
CIVIC_HEAT_WAVE_MIN_DAYS = 5
CIVIC_HEAT_WAVE_WARM_C = 25.0
CIVIC_HEAT_WAVE_HOT_DAYS = 3
CIVIC_HEAT_WAVE_HOT_C = 30.0
CIVIC_RECENT_DAYS = 30
CIVIC_SEASON_MIN_DAYS = 14

# Measured effect of interventions (interventions.evaluation). Impact sensors lie
# within this many metres of the site, per intervention kind ("default" for the
# rest). Below the minimums an evaluation says "not enough data yet" instead of a
# number (sensors near the site, comparison sensors, valid nights before and after).
# Controls: of the 400-1500 m candidates, those whose nightly difference from the
# impact sensors before the works spreads at most MAX_SD_RATIO times the median
# candidate's, the best MAX_CONTROLS of them (never fewer than the minimum).
INTERVENTIONS_IMPACT_RADIUS_M = {"default": 150}
INTERVENTIONS_EVALUATION_MIN = {"impact_sensors": 2, "control_sensors": 3, "nights_each_side": 30}
INTERVENTIONS_CONTROL_MATCH = {"max_controls": 10, "max_sd_ratio": 1.5}
