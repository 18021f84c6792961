"""Dispatch `python -m bench NAME [args...]` to bench/<NAME>.py:main(argv)."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    """Benchmark modules in this package."""
    return sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
                  if not m.name.startswith("_"))


def main(argv: list[str]) -> int:
    """Run one benchmark by name."""
    if not argv or argv[0] not in available():
        print(f"usage: python -m bench NAME [--quick]; NAME is one of {', '.join(available())}",
              file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{argv[0]}")
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
