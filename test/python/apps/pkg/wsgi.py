"""A dotted module with the default variable name: `pkg.wsgi` means `pkg.wsgi:application`."""
from wsgiref.validate import validator


def _app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"pkg.wsgi"]


application = validator(_app)
