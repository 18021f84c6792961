"""The sign-in throttle: increasing delays per user name and per client address.

Every attempt that gets past the throttle is counted *before* the password is checked, so
parallel requests cannot slip a burst of guesses through, against two keys: the user name
typed (known or not, so the throttle says nothing about which accounts exist) and the
client address. Once a key has LOGIN_FREE_FAILURES counted attempts, the next one must wait
until the key's "not before" time: 1 s after the fifth, then 2, 4, 8 ... s, at most
LOGIN_MAX_DELAY. An attempt that comes earlier is refused without being counted, so
hammering does not push the wait further out: the owner's correct password works once the
(bounded) wait is over, and it resets the user name's count and takes back the address's
count for that attempt. A key is forgotten LOGIN_FAILURE_WINDOW seconds after its last attempt.

Stores, shared by every worker and host: Redis when REDIS_URL is set (one Lua script per
claim, atomic), else the database table `login_throttle` (an upsert per key in the request's
transaction; PostgreSQL's row locks and SQLite's write lock make it atomic across processes).
When Redis does not answer, the database store takes over for that attempt.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import case, delete, or_, select, update

from app.clock import utc
from app.db import db
from app.modules.auth.models import LoginThrottleEntry

logger = logging.getLogger(__name__)
REDIS_PREFIX = "sendoff:login-throttle:"


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int = 5
    max_delay: int = 300
    window: int = 3600

    @classmethod
    def from_config(cls, config) -> ThrottlePolicy:
        """The policy the application is configured with."""
        return cls(config["LOGIN_FREE_FAILURES"], config["LOGIN_MAX_DELAY"], config["LOGIN_FAILURE_WINDOW"])

    def delay_after(self, failures: int) -> timedelta:
        """How long the attempt after `failures` counted ones must wait."""
        if failures < self.free_failures:
            return timedelta(0)
        exponent = min(failures - self.free_failures, 30)
        return timedelta(seconds=min(self.max_delay, 2**exponent))


@dataclass(frozen=True)
class Counted:
    """What a claim did to one key: its count now and the wait it set (opaque to callers)."""

    failures: int
    mark: object


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: allowed (and counted) or refused by the throttle."""

    allowed: bool
    account_key: str
    address_key: str
    store: object
    address_mark: object = None


def throttle_key(kind: str, value: str) -> str:
    """An HMAC of the user name or address, so the store holds neither."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class DatabaseStore:
    """The `login_throttle` table, written in the request's transaction."""

    name = "database"

    def claim(self, keys: Sequence[str], now: datetime, policy: ThrottlePolicy) -> dict[str, Counted] | None:
        """Count an attempt on every key, or on none (None) when one of them must still wait."""
        session = db.session
        savepoint = session.begin_nested()
        try:
            counted = {}
            for key in sorted(keys):  # one lock order for every request: no deadlock
                failures = session.execute(self._count(key, now, policy)).scalar()
                if failures is None:
                    savepoint.rollback()
                    return None
                counted[key] = Counted(failures, self._set_wait(key, now + policy.delay_after(failures), now))
            savepoint.commit()
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            raise
        self._prune(now)
        return counted

    def forgive(self, account_key: str, address_key: str, address_mark: object, now: datetime) -> None:
        """A correct password: forget the user name's count, take back this attempt's address count."""
        table = LoginThrottleEntry.__table__
        db.session.execute(delete(table).where(table.c.key == account_key))
        values = {"failures": case((table.c.failures > 0, table.c.failures - 1), else_=0)}
        if address_mark is not None:
            values["not_before"] = case((table.c.not_before == address_mark, None), else_=table.c.not_before)
        db.session.execute(update(table).where(table.c.key == address_key).values(**values))

    def wait_until(self, key: str) -> datetime | None:
        """When the key's next attempt may come (for tests and operators)."""
        table = LoginThrottleEntry.__table__
        return utc(db.session.scalar(select(table.c.not_before).where(table.c.key == key)))

    @staticmethod
    def _count(key: str, now: datetime, policy: ThrottlePolicy):
        table = LoginThrottleEntry.__table__
        if db.session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stale = table.c.expires_at <= now
        statement = insert(table).values(key=key, failures=1, not_before=None,
                                         expires_at=now + timedelta(seconds=policy.window))
        return statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"failures": case((stale, 1), else_=table.c.failures + 1), "not_before": None,
                  "expires_at": statement.excluded.expires_at},
            where=or_(table.c.not_before.is_(None), table.c.not_before <= now, stale),
        ).returning(table.c.failures)

    @staticmethod
    def _set_wait(key: str, not_before: datetime, now: datetime) -> datetime | None:
        if not_before <= now:
            return None
        table = LoginThrottleEntry.__table__
        db.session.execute(update(table).where(table.c.key == key).values(not_before=not_before))
        return not_before

    @staticmethod
    def _prune(now: datetime) -> None:
        # After the claim, and skipping rows another request holds, so pruning never waits.
        table = LoginThrottleEntry.__table__
        doomed = (select(table.c.key).where(table.c.expires_at <= now).limit(100)
                  .with_for_update(skip_locked=True))
        db.session.execute(delete(table).where(table.c.key.in_(doomed)))


# Times are whole microseconds since the epoch, written with %.0f: exact (below 2^53),
# where Lua's tostring would keep only 14 digits.
_CLAIM_SCRIPT = """
local now, free = tonumber(ARGV[1]), tonumber(ARGV[2])
local max_delay, window = tonumber(ARGV[3]) * 1000000, tonumber(ARGV[4])
for _, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'not_before', 'expires_at')
  if (tonumber(v[2]) or 0) > now and (tonumber(v[1]) or 0) > now then return false end
end
local out = {}
for i, key in ipairs(KEYS) do
  local v = redis.call('HMGET', key, 'failures', 'expires_at')
  local failures = 1
  if (tonumber(v[2]) or 0) > now then failures = (tonumber(v[1]) or 0) + 1 end
  local not_before = '0'
  if failures >= free then
    local delay = math.min(max_delay, 2 ^ math.min(failures - free, 30) * 1000000)
    not_before = string.format('%.0f', now + delay)
  end
  redis.call('HSET', key, 'failures', failures, 'not_before', not_before,
             'expires_at', string.format('%.0f', now + window * 1000000))
  redis.call('EXPIRE', key, window)
  out[2 * i - 1] = failures
  out[2 * i] = not_before
end
return out
"""

_FORGIVE_SCRIPT = """
redis.call('DEL', KEYS[1])
local v = redis.call('HMGET', KEYS[2], 'failures', 'not_before')
if v[1] then
  redis.call('HSET', KEYS[2], 'failures', math.max(tonumber(v[1]) - 1, 0))
  if ARGV[1] ~= '' and v[2] == ARGV[1] then redis.call('HSET', KEYS[2], 'not_before', '0') end
end
return 1
"""


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _microseconds(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


class RedisStore:
    """Hashes in Redis, claimed atomically by a Lua script; Redis expires them on its own."""

    name = "redis"

    def __init__(self, client, prefix: str = REDIS_PREFIX) -> None:
        self.client = client
        self.prefix = prefix
        self._claim = client.register_script(_CLAIM_SCRIPT)
        self._forgive = client.register_script(_FORGIVE_SCRIPT)

    def claim(self, keys: Sequence[str], now: datetime, policy: ThrottlePolicy) -> dict[str, Counted] | None:
        """Count an attempt on every key, or on none (None) when one of them must still wait."""
        args = [_microseconds(now), policy.free_failures, policy.max_delay, policy.window]
        reply = self._claim(keys=[self.prefix + key for key in keys], args=args)
        if not reply:
            return None
        counted = {}
        for n, key in enumerate(keys):
            failures, mark = int(reply[2 * n]), reply[2 * n + 1].decode()
            counted[key] = Counted(failures, None if mark == "0" else mark)
        return counted

    def forgive(self, account_key: str, address_key: str, address_mark: object, now: datetime) -> None:
        """A correct password: forget the user name's count, take back this attempt's address count."""
        self._forgive(keys=[self.prefix + account_key, self.prefix + address_key], args=[address_mark or ""])

    def wait_until(self, key: str) -> datetime | None:
        """When the key's next attempt may come (for tests and operators)."""
        value = int(self.client.hget(self.prefix + key, "not_before") or 0)
        return EPOCH + timedelta(microseconds=value) if value else None


class LoginThrottle:
    """Flask extension: the store is Redis when REDIS_URL is set, else the database."""

    def __init__(self) -> None:
        self.database = DatabaseStore()
        self.store: DatabaseStore | RedisStore = self.database

    def init_app(self, app) -> None:
        url = app.config.get("REDIS_URL")
        if url:
            from redis import Redis

            self.store = RedisStore(Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))
        else:
            self.store = self.database
        app.extensions["login_throttle"] = self

    def claim(self, account: str, address: str, now: datetime) -> Attempt:
        """Let an attempt for this user name from this address through (counting it), or refuse it."""
        keys = (throttle_key("account", account), throttle_key("address", address))
        policy = ThrottlePolicy.from_config(current_app.config)
        store, counted = self._claim(keys, now, policy)
        if counted is None:
            return Attempt(False, *keys, store=store)
        for (kind, value), key in zip((("user name", account), ("address", address)), keys, strict=True):
            if counted[key].failures == policy.free_failures:
                logger.warning("Sign-in attempts for %s %r are being slowed down (%d failures).",
                               kind, value, policy.free_failures)
        return Attempt(True, *keys, store=store, address_mark=counted[keys[1]].mark)

    def forgive(self, attempt: Attempt, now: datetime) -> None:
        """The attempt was the right password: reset its user name, take back its address count."""
        attempt.store.forgive(attempt.account_key, attempt.address_key, attempt.address_mark, now)

    def _claim(self, keys, now, policy):
        if self.store is self.database:
            return self.database, self.database.claim(keys, now, policy)
        from redis.exceptions import RedisError

        try:
            return self.store, self.store.claim(keys, now, policy)
        except RedisError as error:
            logger.error("The sign-in throttle cannot reach Redis (%s); using the database.", error)
            return self.database, self.database.claim(keys, now, policy)
