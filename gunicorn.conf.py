"""Gunicorn settings for Sendoff; gunicorn reads this file when it starts in this folder.

It tells the app how many workers gunicorn really runs (whatever set it: `-w`, this file,
GUNICORN_CMD_ARGS or WEB_CONCURRENCY) through SENDOFF_WEB_WORKERS, and refuses to start a
production server with several workers but no shared store (REDIS_URL) for the rate limits.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from app import config as sendoff_config  # noqa: E402


def nworkers_changed(server, new_value, old_value):
    """Check the worker count gunicorn settled on, at start-up and on TTIN/TTOU or reload."""
    try:
        sendoff_config.check_shared_store(sendoff_config.load(), new_value)
    except sendoff_config.ConfigError as error:
        if old_value is None:
            raise  # at start-up: gunicorn prints the message and exits with status 1
        server.log.error("Not changing to %s workers: %s", new_value, error)
        server._num_workers = old_value  # the setter would call this hook again
        return
    os.environ["SENDOFF_WEB_WORKERS"] = str(new_value)
