# Copy to instance/config.py (mode 0600: it holds the secret) and edit; every key can also be
# set as PIPELINE_STORE_<KEY>. Unknown keys stop the server (README, Configuration).
DATABASE = "pipelines.sqlite3"
# AUTH = "bearer" refuses this placeholder: python3 -c 'import secrets; print(secrets.token_urlsafe(48))'
SECRET_KEY = "change-me-to-a-random-string-of-at-least-32-bytes"
EDITION = "open-source"
PLATFORM_VERSION = "0.369.0"
