"""Django's ASGI handler for the benchmark settings, so uvicorn can be compared with WSGI servers.

TrustMart does not ship an ASGI entry point (its views are synchronous, and it is served over
WSGI); this module exists only for the server comparison in decision record 0003.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
application = get_asgi_application()
