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
# Installs what it needs (scripts/venv.sh): the venv, tools/node (npm ci), and with apt-get (as root
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

source scripts/venv.sh  # install_project, apt_install, install_chromium, install_node_tools
install_chromium  # Debian's chromium and fonts-noto-cjk
install_node_tools  # tools/node: Lighthouse (npm ci)
command -v node >/dev/null 2>&1 || apt_install nodejs
export CHROME_PATH=${CHROME_PATH:-${DLNOTES_CHROMIUM:-$(command -v chromium || echo /usr/bin/chromium)}}
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import mkdocs, material' 2>/dev/null; then
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
