"""`Idempotency-Key` on POST: the first request with a key does the work, its retries get its answer.

The key's row is added to the view's own transaction before the view runs, so the work and the
key commit (or roll back) together; a retry that arrives while the first is still running
waits on the row's unique index (PostgreSQL) or on the write lock (SQLite) and then gets the
first answer. A failed request (its transaction rolled back) keeps no key: a retry runs again.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta
from functools import wraps

from flask import Response, current_app, make_response, request
from sqlalchemy import delete, inspect, select
from sqlalchemy.exc import IntegrityError

from app.db import db, utcnow
from app.modules.api.auth import current_token
from app.modules.api.models import IdempotencyKey
from app.modules.api.problems import ApiProblem

HEADER = "Idempotency-Key"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.get_data(cache=True)):
        digest.update(part + b"\0")
    return digest.hexdigest()


def _replay(row: IdempotencyKey, fingerprint: str) -> Response:
    if row.fingerprint != fingerprint:
        raise ApiProblem(422, f"This {HEADER} was used for a different request.", type_="idempotency-key-reused")
    if row.status_code is None:
        raise ApiProblem(409, f"A request with this {HEADER} is still being processed; retry later.",
                         type_="idempotency-key-in-use", headers={"Retry-After": "1"})
    response = Response(row.body, status=row.status_code, content_type=row.content_type)
    if row.location:
        response.headers["Location"] = row.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _existing(token_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.token_id == token_id,
                                                          IdempotencyKey.key == key)
                             .execution_options(populate_existing=True))


def _forget_expired() -> None:
    hours = current_app.config["IDEMPOTENCY_HOURS"]
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < utcnow() - timedelta(hours=hours)))


def idempotent(view):
    """Do a POST once per token and key, however often the client retries it."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(*args, **kwargs)
        if len(key) > 255:
            raise ApiProblem(400, f"{HEADER} is longer than 255 characters.")
        token, fingerprint = current_token(), _fingerprint()
        _forget_expired()
        found = _existing(token.id, key)
        if found is not None:
            return _replay(found, fingerprint)
        row = IdempotencyKey(token_id=token.id, key=key, fingerprint=fingerprint, created_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:  # a request with this key committed meanwhile
            return _replay(_existing(token.id, key), fingerprint)
        response = make_response(view(*args, **kwargs))
        _keep(row, response)
        return response

    return wrapped


def _keep(row: IdempotencyKey, response: Response) -> None:
    """Store the answer with the key, if the key committed with the work (a success)."""
    state = inspect(row)
    if not state.persistent or response.status_code >= 400:
        db.session.rollback()  # nothing of a refused request is kept, not even its key
        return
    row.status_code, row.body = response.status_code, response.get_data(as_text=True)
    row.content_type = response.content_type or "application/json"
    row.location = response.headers.get("Location")
    db.session.commit()
