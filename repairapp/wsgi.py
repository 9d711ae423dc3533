import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repairapp.settings")
application = get_wsgi_application()

# The web process loads the text model in the background as it starts (runserver loads
# this module too), so the first Find text does not wait for it in the request.
from repairapp import services  # noqa: E402  (needs the settings above)

services.text_model_warm()
