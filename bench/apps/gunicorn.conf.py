# The seed's gunicorn.conf.py (shared/seed/gunicorn-config-seed.md), as it is.
# The harness overrides only bind (loopback, its own port) and, for the same-worker-count table, workers.
import multiprocessing

workers = multiprocessing.cpu_count()*2+1
bind = ":8080"
worker_class = "gevent"
worker_connections = 1000
max_requests = 30000
timeout = 15
