#!/usr/bin/env bash
# Set up everything the tests need, then run every test: a .venv with dlnotes and its docs and
# test tools, Debian's chromium and fonts-noto-cjk (browser and Lighthouse tests), and the site
# tools in tools/node (npm ci). Usage: bash scripts/test.sh [pytest options]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
install_project test
install_chromium
install_node_tools
export NO_MKDOCS_2_WARNING=1
# One worker per core, up to 4 (pytest-xdist); each test file stays on one worker, so a file's
# set-up (a fresh venv, a copy of the repository) is made once. `-n 0` runs in one process.
workers=$(nproc 2>/dev/null || echo 2)
[ "$workers" -gt 4 ] && workers=4
exec .venv/bin/python -m pytest -n "$workers" --dist loadfile "$@"
