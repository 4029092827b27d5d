import multiprocessing
workers = multiprocessing.cpu_count()*2+1
# Network binding with all interfaces on port 8080
bind = ":8080"
# Gevent async worker for I/O-bound applications
worker_class = "gevent"
worker_connections = 1000
max_requests = 30000
timeout = 15
