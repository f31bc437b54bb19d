#!/usr/bin/env bash
# Score the site's pages with Lighthouse on a phone (mobile emulation), the way a reader meets them:
# the built site served with gzip on 127.0.0.1 (tools/serve_gzip.py, as GitHub Pages serves it),
# Debian's chromium with the Korean system font every Korean reader has (fonts-noto-cjk).
# Prints a table per page: performance / accessibility / best practices / SEO, bytes transferred
# on first load, LCP and CLS, then the heaviest page; exits 1 if a page misses the budget
# (each score >= 95, <= 400 KB, LCP <= 2.5 s, CLS <= 0.05).
#
# Usage: bash scripts/lighthouse.sh [--site DIR] [--runs N] [--json OUT] [--verbose] [PAGE ...]
#   --site DIR   a built site (default: build one with `mkdocs build --strict` into a temp dir)
#   --runs N     runs per page; the best performance score is kept (it moves with machine load)
#   PAGE ...     site paths such as / or /en/lessons/10-training/ (default: every page)
# Installs what it needs: the venv (scripts/venv.sh), tools/node (npm ci), and with apt-get (as root
# or through sudo) chromium, fonts-noto-cjk and nodejs/npm when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

site="" args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --site) site=$2; shift 2 ;;
    --site=*) site=${1#--site=}; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$1"); shift ;;
  esac
done

apt_install() {  # apt_install PACKAGE...: install Debian packages as root or through sudo
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=$(command -v sudo || true)
  if [ "$(id -u)" != 0 ] && [ -z "$sudo" ]; then
    echo "lighthouse.sh: $* missing and apt-get needs root (or sudo)" >&2
    exit 1
  fi
  echo "lighthouse.sh: installing $* (apt-get)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

missing=()
[ -x "${CHROME_PATH:-/usr/bin/chromium}" ] || command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list ':lang=ko' family 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
export CHROME_PATH=${CHROME_PATH:-$(command -v chromium || echo /usr/bin/chromium)}

[ -f tools/node/node_modules/lighthouse/cli/index.js ] || npm ci --prefix tools/node --no-audit --no-fund

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import mkdocs, material' 2>/dev/null; then
  source scripts/venv.sh
  install_project docs
fi
export NO_MKDOCS_2_WARNING=1

if [ -z "$site" ]; then
  site=$(mktemp -d "${TMPDIR:-/tmp}/dlnotes-site.XXXXXX")
  trap 'rm -rf "$site"' EXIT
  echo "lighthouse.sh: building the site into $site (mkdocs build --strict)" >&2
  .venv/bin/mkdocs build --strict --quiet -d "$site"
fi

.venv/bin/python tools/pagequality.py "$site" "${args[@]}"  # not exec: the trap removes a temp site
