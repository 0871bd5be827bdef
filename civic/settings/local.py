"""Settings for the run command: console e-mail, private services, no tracebacks for visitors."""

import os

from .base import *  # noqa: F403

# The demo is reachable by others on the network (CIVIC_HOST), so a server error
# shows the plain error page, not a traceback with settings and local variables.
# DJANGO_DEBUG=1 turns Django's debug pages on for development.
DEBUG = os.environ.get("DJANGO_DEBUG", "") in {"1", "true", "yes"}
ALLOWED_HOSTS = ["*"]
