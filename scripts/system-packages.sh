#!/usr/bin/env bash
# Install the Debian packages Sendoff needs, or say exactly what is missing.
#   runtime: CJK fonts and HarfBuzz subsetting (fast Chinese PDFs), Pango (WeasyPrint),
#            Graphviz (workflow diagrams)
#   test:    Debian's chromium for the browser tests, poppler-utils (pdftotext, pdffonts),
#            faketime (scripts/time-travel.sh)
set -euo pipefail
want=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 graphviz)
if [ "${1:-}" = "--test" ]; then
  want+=(chromium poppler-utils faketime)
fi
missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "Missing Debian packages: ${missing[*]}" >&2
echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
exit 1
