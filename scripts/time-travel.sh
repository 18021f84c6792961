#!/usr/bin/env bash
# Run the whole SQLite suite under Debian's faketime at instants that break naive date code:
#   - 16:30 UTC on 31 December: China is already in the new year (whose holiday notice may
#     not be published yet) while the server's UTC date is still the old one;
#   - a day inside the next Spring Festival holiday;
#   - 1 October (National Day);
#   - more than a year ahead.
# The instants are computed from today, so the script keeps meaning the same thing.
# PostgreSQL's now() is not faked, so this runs on SQLite only. The browser tests run at the
# first instant only (they add minutes and little date logic of their own).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
if ! command -v faketime >/dev/null; then
  echo "faketime is missing: apt-get install faketime (make test installs it as root)" >&2
  exit 1
fi

mapfile -t INSTANTS < <("$PY" - <<'PY'
from datetime import UTC, datetime, timedelta

import holidays

now = datetime.now(UTC)
year = now.year


def spring_festival(y):
    days = holidays.China(years=y, language="en_US")
    return min(d for d, name in days.items() if "Spring Festival" in name)


festival = spring_festival(year) if spring_festival(year) > now.date() else spring_festival(year + 1)
october = year if now.date() < datetime(year, 10, 1).date() else year + 1
far = now + timedelta(days=400)
print(f"new-year-in-china {year}-12-31 16:30:00")
print(f"spring-festival {festival + timedelta(days=2)} 02:00:00")
print(f"national-day {october}-10-01 04:00:00")
print(f"over-a-year-ahead {far:%Y-%m-%d} 20:00:00")
PY
)

status=0
first=1
for line in "${INSTANTS[@]}"; do
  name=${line%% *}
  at=${line#* }
  echo "== time travel: $name ($at UTC)"
  select=()
  [ $first = 1 ] || select=(-m "not e2e")
  first=0
  # The monotonic clock stays real (timed waits otherwise never end); the shim works around
  # libfaketime's broken absolute sleeps in that mode (see its docstring).
  if ! env -u SENDOFF_TEST_DATABASE_URL TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 \
      PYTHONPATH="$PWD/scripts/time-travel-shim${PYTHONPATH:+:$PYTHONPATH}" \
      faketime -f "@$at" .venv/bin/pytest -q -p no:cacheprovider "${select[@]}" ${PYTEST_ARGS:-}; then
    echo "== time travel: FAILED at $name ($at UTC)"
    status=1
  fi
done
exit $status
