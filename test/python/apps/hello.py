"""Hello world, not wrapped in the validator: the list fast path (and the benchmark app)."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [b"Hello, World!"]


app = application
