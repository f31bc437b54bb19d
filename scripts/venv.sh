# Shared by serve.sh and test.sh (sourced, not run).

# Create .venv with Python >= 3.11 if needed and install dlnotes (editable) with an extra.
install_project() {
  local python=${PYTHON:-python3}
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "dlnotes needs Python >= 3.11; set PYTHON=/path/to/python3.11 and retry" >&2
    exit 1
  fi
  [ -x .venv/bin/python ] || "$python" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[$1]"
}

# The browser tests drive Debian's chromium (never a downloaded browser build).
install_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=$(command -v sudo || true)
  if [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; then
    echo "dlnotes: installing chromium for the browser tests (apt-get)"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
  else
    echo "dlnotes: chromium is not installed and apt-get needs root: browser tests will be skipped" >&2
  fi
}
