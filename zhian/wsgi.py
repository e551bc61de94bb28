import logging
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhian.settings.base")
application = get_wsgi_application()

from zhian.core.warmup import warm_up  # noqa: E402  (needs the settings loaded above)

logging.getLogger("zhian").info("warmed up: %s", warm_up())
