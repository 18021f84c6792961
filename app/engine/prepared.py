"""Core statements compiled once per dialect and run as plain SQL on the hot path of `fire`.

SQLAlchemy caches compiled statements, yet every `connection.execute(stmt, params)` still
builds a cache key, resolves the compiled form, processes the parameters and sets up the
result metadata: about 30-40 µs for a small statement, which made those four statements
(lock, instance update, audit insert, head update) the largest cost of an event.

`Prepared` works that out once per dialect from the same Core statement (so the database
receives the same SQL text, casts included, and the same values: SQLAlchemy's own type
processors turn JSON into text and SQLite datetimes into strings) and runs it on a cursor
of the session's own DBAPI connection, inside the transaction the session began (with
BEGIN IMMEDIATE on SQLite). `exec_driver_sql` was measured too: it still rebuilds result
metadata per call and saved too little. What is given up: these few statements do not
pass through SQLAlchemy's `before/after_cursor_execute` events or its echo log. Driver
errors are wrapped in SQLAlchemy's exceptions (IntegrityError, OperationalError, ...)
exactly as `connection.execute` wraps them, and a lost connection is invalidated.
"""
from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.exc import DBAPIError


class Prepared:
    """One statement; `execute(connection, params)` returns the DBAPI-level result."""

    def __init__(self, statement, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _prepare(self, dialect) -> tuple:
        compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
        names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
        binds = [(name, compiled.binds[name].effective_value,
                  _bind_processor(compiled.binds[name], dialect)) for name in names]
        columns = list(getattr(self.statement, "selected_columns", None) or
                       getattr(self.statement, "exported_columns", None) or ())
        results = [c.type.dialect_impl(dialect).result_processor(dialect, None)
                   for c in columns]
        prepared = (compiled.string, compiled.positional, binds,
                    results if any(results) else None)
        self._by_dialect[dialect] = prepared
        return prepared

    def execute(self, connection, params: Mapping[str, Any]):
        """Run the statement on the connection's DBAPI cursor; returns that cursor."""
        sql, positional, binds, _ = (self._by_dialect.get(connection.dialect)
                                     or self._prepare(connection.dialect))
        values = []
        for name, default, process in binds:
            value = params[name] if name in params else default
            values.append(process(value) if process is not None else value)
        arguments = tuple(values) if positional else dict(zip((b[0] for b in binds), values, strict=True))
        dbapi_connection = connection.connection
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(sql, arguments)
        except connection.dialect.loaded_dbapi.Error as error:
            cursor.close()
            dialect = connection.dialect
            gone = dialect.is_disconnect(error, dbapi_connection, cursor)
            if gone:
                connection.invalidate(error)
            raise DBAPIError.instance(sql, arguments, error, dialect.loaded_dbapi.Error,
                                      connection_invalidated=gone, dialect=dialect) from error
        return cursor

    def rowcount(self, connection, params: Mapping[str, Any]) -> int:
        """Run a statement that returns no rows; the number of rows it changed."""
        cursor = self.execute(connection, params)
        count = cursor.rowcount
        cursor.close()
        return count

    def first(self, connection, params: Mapping[str, Any]) -> tuple | None:
        """The first row with result types applied (JSON parsed, datetimes), or None."""
        cursor = self.execute(connection, params)
        row = cursor.fetchone()
        cursor.close()
        if row is None:
            return None
        results = self._by_dialect[connection.dialect][3]
        if results is None:
            return tuple(row)
        return tuple(p(v) if p is not None else v for p, v in zip(results, row, strict=True))


def _bind_processor(bind, dialect):
    return bind.type.dialect_impl(dialect).bind_processor(dialect)
