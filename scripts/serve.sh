#!/usr/bin/env bash
# Set up everything the site needs (a .venv with dlnotes and the docs tools), build the site and
# serve it at http://127.0.0.1:8000 with live reload. Usage: bash scripts/serve.sh [mkdocs serve options]
#
# Quick to restart: the install runs only the first time and after pyproject.toml changes, and
# page code and notebooks are rerun only where their inputs changed (.cache/pagecode; see
# tools/hooks/buildcache.py). Editing a page, the package (src/) or an embedded test section
# rebuilds the site and reloads the browser. DLNOTES_PAGECODE_CACHE=0 runs everything again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
stamp=".venv/.dlnotes-docs-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -e "$stamp" ] || [ ! -x .venv/bin/mkdocs ]; then
  install_project docs
  rm -f .venv/.dlnotes-docs-*
  touch "$stamp"
fi
export NO_MKDOCS_2_WARNING=1
echo "dlnotes: serving the site at http://127.0.0.1:8000 (Korean at /, English at /en/); Ctrl+C stops"
exec .venv/bin/mkdocs serve --strict -a 127.0.0.1:8000 "$@"
