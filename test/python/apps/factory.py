"""App factories: `factory:create_app()` and `factory:create_app(debug=False, name='x')`."""
from wsgiref.validate import validator


def create_app(debug=True, name="factory"):
    def _app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [("%s debug=%s" % (name, debug)).encode()]
    return validator(_app)


not_an_app = 42
