"""gunicorn settings for pipeline-store: `gunicorn -c python:app.gunicorn_conf 'wsgi:app'`.

`pipeline-store serve` and the end-to-end tests use exactly this module; command-line flags
(`--workers`, `--threads`, `--bind`, ...) override it. The README's gunicorn section explains
each limit.
"""

# What to pass to gunicorn's `--config` (gunicorn ignores upper-case names here).
CONFIG_ARGUMENT = f"python:{__name__}"

# Threaded workers that read each request in their event loop before a thread sees it, so
# slow clients cost no thread (app/gunicorn_worker.py).
worker_class = "app.gunicorn_worker.RequestReadingWorker"
workers = 2
threads = 8

# A worker whose event loop stalls this long is killed and replaced (threads busy with
# requests do not count: the loop keeps beating). Requests themselves are bounded by
# REQUEST_TIMEOUT_SECONDS while they arrive.
timeout = 30
# On restart or shutdown, requests in flight get this long to finish.
graceful_timeout = 10
# How long an idle kept-alive connection stays open (upstream's actix default is 5 s).
keepalive = 5

# Request head limits: gunicorn's largest bounded request line (the default is 4094), up to
# 100 header fields of 16 KiB each (long JWTs). Beyond them the answer is the JSON envelope
# (414 RequestLineTooLong, 431 RequestHeaderFieldsTooLarge).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 16384

# gunicorn >= 25.1 opens a control socket at one fixed path per user
# (~/.gunicorn/gunicorn.ctl), shared by every server on the host: none is needed here.
control_socket_disable = True
