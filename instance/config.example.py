# Copy to instance/config.py and edit; every key can also be set as PIPELINE_STORE_<KEY>.
DATABASE = "pipelines.sqlite3"
SECRET_KEY = "change-me"
EDITION = "open-source"
PLATFORM_VERSION = "0.369.0"
