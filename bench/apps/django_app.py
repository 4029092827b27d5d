"""A one-file Django project serving the routes of bench/apps/content.mjs, with Django's default
middleware (as a startproject would have) so each request pays what a real Django view pays."""
import time

from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ],
    INSTALLED_APPS=[],
    USE_TZ=True,
)

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

HELLO = b"Hello, World!"
BIG = b"x" * (100 * 1024)
UPLOAD_BYTES = 1024 * 1024


def hello(request):
    return HttpResponse(HELLO, content_type="text/plain")


def big(request):
    return HttpResponse(BIG, content_type="text/plain")


@csrf_exempt
def upload(request):
    n = len(request.body)
    return HttpResponse(HELLO if n == UPLOAD_BYTES else b"bad length", content_type="text/plain", status=200 if n == UPLOAD_BYTES else 400)


def sleep(request):
    time.sleep(0.05)
    return HttpResponse(HELLO, content_type="text/plain")


def api(request):
    return JsonResponse({"id": 42, "name": "widget", "tags": ["a", "b", "c"], "price": 9.99, "stock": True})


urlpatterns = [path("", hello), path("big", big), path("upload", upload), path("sleep", sleep), path("json", api)]

application = get_wsgi_application()
