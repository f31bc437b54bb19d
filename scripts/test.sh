#!/usr/bin/env bash
# Set up everything the tests need (a .venv with dlnotes, the docs and test tools, and Debian's
# chromium for the browser tests), then run every test. Usage: bash scripts/test.sh [pytest options]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
install_project test
install_chromium
export NO_MKDOCS_2_WARNING=1
exec .venv/bin/python -m pytest "$@"
