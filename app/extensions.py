"""Flask extensions, created here and bound to the app in the factory."""
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf import CSRFProtect

from app.db import db
from app.modules.auth.throttle import LoginThrottle
from app.security import client_address

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
# Counters live in Redis when REDIS_URL is set (configure_settings), else in each worker's
# memory: then the sign-in throttle (login_throttle, in the database) is the real control.
limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True)
login_throttle = LoginThrottle()

__all__ = ["babel", "bootstrap", "csrf", "db", "limiter", "login_manager", "login_throttle"]
