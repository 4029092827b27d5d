import multiprocessing

# Production (gunicorn.prod.conf.py)
bind = ":8080"
workers = multiprocessing.cpu_count()*2+1
worker_class = "gevent"
preload_app = True
loglevel = "warning"
access_log = "/var/log/gunicorn/access.log"
error_log = "/var/log/gunicorn/error.log"
