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
  install_cpu_torch
  .venv/bin/python -m pip install --quiet -e ".[$1]"
}

# PyPI's torch for Linux is the build for NVIDIA GPUs, with several GB of CUDA libraries. On Linux
# without an NVIDIA GPU, put PyTorch's CPU-only build (the `reference` extra's version) into .venv
# first; pip then keeps it, since 2.13.0+cpu is a 2.13.0. Nothing happens when .venv has a torch,
# when nvidia-smi exists, or when PyTorch's index is out of reach (then pip takes PyPI's build).
install_cpu_torch() {
  [ "$(uname -s)" = Linux ] || return 0
  command -v nvidia-smi >/dev/null 2>&1 && return 0
  .venv/bin/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)' && return 0
  local index=https://download.pytorch.org/whl/cpu torch
  timeout 10 .venv/bin/python -c 'import socket; socket.getaddrinfo("download.pytorch.org", 443)' \
    2>/dev/null || {
    echo "dlnotes: download.pytorch.org is out of reach: pip installs PyPI's torch" >&2
    return 0
  }
  torch=$(.venv/bin/python -c 'import tomllib; deps = tomllib.load(open("pyproject.toml", "rb"))
print(next(d for d in deps["project"]["optional-dependencies"]["reference"] if d.startswith("torch")))')
  echo "dlnotes: installing PyTorch's CPU-only build ($torch) from $index" >&2
  .venv/bin/python -m pip install --quiet --index-url "$index" "$torch" ||
    echo "dlnotes: PyTorch's CPU-only build did not install; pip takes PyPI's torch instead" >&2
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
