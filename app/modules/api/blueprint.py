"""The flask-smorest Api and the blueprints of the API's resources, made the same way."""
from __future__ import annotations

import http

from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from flask_smorest.utils import prepare_response

from app.modules.api import schemas
from app.modules.api.auth import BEARER, SECURITY_SCHEME, rate_limit, rate_limit_key
from app.modules.api.problems import MEDIA_TYPE, init_problem_handlers

PREFIX = "/api/v1"
DESCRIPTION = """Drive separation cases from other systems: open a case, fire its events, sign the
handover, read documents, and hear about changes through signed webhooks. Authenticate with
`Authorization: Bearer <token>` (a personal access token with scopes). Errors are RFC 9457
problem documents (`application/problem+json`). See docs/api.md for examples."""


class Api(SmorestApi):
    """flask-smorest, with problem+json error responses and no app-wide error handler (the
    web keeps its HTML error pages; API blueprints answer their own errors)."""

    ERROR_SCHEMA = schemas.Problem

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "An error (problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def configure(app) -> None:
    app.config.setdefault("API_TITLE", "Sendoff API")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {
        "info": {"description": DESCRIPTION},
        "servers": [{"url": "/"}],
        "security": [{BEARER: []}],
        "components": {"securitySchemes": {BEARER: SECURITY_SCHEME}},
    })


def resource(name: str, description: str) -> Blueprint:
    """A blueprint of the API under /api/v1: problem+json errors, no CSRF (bearer tokens, never
    cookies), one rate limit per token shared by every resource."""
    from app.extensions import csrf, limiter

    blueprint = Blueprint(name, __name__, url_prefix=PREFIX, description=description)
    init_problem_handlers(blueprint)
    csrf.exempt(blueprint)
    limiter.shared_limit(rate_limit, scope="api", key_func=rate_limit_key)(blueprint)
    return blueprint
