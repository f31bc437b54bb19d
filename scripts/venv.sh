# Shared by serve.sh, test.sh and lighthouse.sh (sourced, not run).

# Create .venv with Python >= 3.11 if needed and install dlnotes (editable) with an extra.
# pip honours PIP_CONSTRAINT (CI pins the oldest NumPy that way) and a torch already in .venv
# (CI pre-installs PyTorch's CPU-only build; the `reference` extra then keeps it).
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

# apt_install PACKAGE...: install Debian/Ubuntu packages with apt-get, as root or through sudo.
# Returns 1 with a message when neither is possible.
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=$(command -v sudo || true)
  if [ "$(id -u)" != 0 ] && [ -z "$sudo" ]; then
    echo "dlnotes: $* not installed: apt-get needs root or sudo" >&2
    return 1
  fi
  echo "dlnotes: installing $* (apt-get)" >&2
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# The browser and Lighthouse tests drive Debian's chromium (never a downloaded browser build)
# with the Korean system font a Korean reader has (fonts-noto-cjk). Installs what is missing.
install_chromium() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || [ -x "${DLNOTES_CHROMIUM:-}" ] || missing+=(chromium)
  # grep without -q reads all of fc-list: with -q, fc-list dies of SIGPIPE and pipefail says missing
  fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_install "${missing[@]}" || echo "dlnotes: without ${missing[*]} the browser tests skip (and fail when CI=true)" >&2
}

# The site tools in tools/node (Lighthouse, linkinator, axe-core), exactly as locked, when missing.
install_node_tools() {
  [ -d tools/node/node_modules ] && return 0
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm || {
    echo "dlnotes: without npm the tests that use tools/node skip (and fail when CI=true)" >&2
    return 0
  }
  echo "dlnotes: installing tools/node (npm ci)" >&2
  npm ci --prefix tools/node --no-audit --no-fund --loglevel=error
}
