"""tunicorn's Python worker: runs a WSGI app behind tunicorn's Node fronts.

The protocol is described in docs/python-workers.md.
"""

__version__ = "0.1.0"
SERVER_SOFTWARE = "tunicorn/" + __version__
