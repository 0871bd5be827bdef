"""Settings for the run command: debug on, console e-mail, private services."""

from .base import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["*"]
