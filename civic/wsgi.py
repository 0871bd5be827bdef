"""WSGI entry point for production servers (gunicorn civic.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings.production")
application = get_wsgi_application()
