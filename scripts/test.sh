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
exec .venv/bin/python -m pytest "$@"
