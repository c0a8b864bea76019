"""gunicorn settings of one pb-service app server: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Run several (on one machine or many) behind nginx (deploy/nginx/pb-service.conf); they keep no
state of their own: sessions are signed cookies, rate limits live in Redis. Every value can be
set from the environment (``PB_BIND``, ``PB_WORKERS``, ``PB_THREADS``) or on the command line.
"""
import multiprocessing
import os

#: Only the proxy talks to the app servers: a private address (TRUSTED_PROXIES believes its headers).
bind = os.environ.get("PB_BIND", "127.0.0.1:8001")
#: Two processes per core: a request mostly waits for PostgreSQL (docs/performance.md).
workers = int(os.environ.get("PB_WORKERS", max(2, 2 * multiprocessing.cpu_count())))
threads = int(os.environ.get("PB_THREADS", 4))
#: The app is loaded once and the workers forked from it: less memory and a faster start.
preload_app = True
#: A counting or an import runs in the worker (flask pb worker), never this long in a request.
timeout = 60
graceful_timeout = 30
#: Restart each worker now and then (with jitter): a slow leak never grows for long.
max_requests = 5000
max_requests_jitter = 500
#: nginx keeps connections to the app servers open (upstream keepalive).
keepalive = 75
accesslog = os.environ.get("PB_ACCESS_LOG", "-")
errorlog = os.environ.get("PB_ERROR_LOG", "-")
#: The client's address as the app sees it (after ProxyFix), the status, the time in microseconds.
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(D)sus "%(a)s"'
proc_name = os.environ.get("PB_PROC_NAME", "pb-service")
#: gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): several app
#: servers on one machine would take it from each other. Not used here (systemd signals instead).
control_socket_disable = True
