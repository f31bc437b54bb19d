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
# One worker per core and one more, up to 5 (pytest-xdist): the browser tests spend part of their
# time waiting for pages, which the extra worker fills (on 2 cores, 3 workers take 13 % less time
# than 2). Each test file stays on one worker, so a file's set-up (a fresh venv, a copy of the
# repository) is made once, and files start in the order tests/conftest.py gives them (not
# xdist's own, largest first: the site builds while the tests that do not need it run).
# `-n 0` runs in one process.
workers=$(( $(nproc 2>/dev/null || echo 2) + 1 ))
[ "$workers" -gt 5 ] && workers=5
# The machine's speed before and after (bench/machine_speed.py: the loop alone, then on every core
# at once; 5 s each, and it never stops the tests): the suite's time compares with another run's
# only at a similar speed.
.venv/bin/python bench/machine_speed.py || true
status=0
.venv/bin/python -m pytest -n "$workers" --dist loadfile --no-loadscope-reorder "$@" || status=$?
.venv/bin/python bench/machine_speed.py || true
exit "$status"
