#!/usr/bin/env bash
# Set up everything the site needs (a .venv with dlnotes and the docs tools), build the site and
# serve it at http://127.0.0.1:8000 with live reload. Usage: bash scripts/serve.sh [mkdocs serve options]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
install_project docs
export NO_MKDOCS_2_WARNING=1
echo "dlnotes: serving the site at http://127.0.0.1:8000 (Korean at /, English at /en/); Ctrl+C stops"
exec .venv/bin/mkdocs serve --strict -a 127.0.0.1:8000 "$@"
