#!/usr/bin/env bash
# `make install`: everything `make up` and `make test` need, from a fresh clone, on Debian or Ubuntu.
# CI runs it as root on a bare clone, so every step is here; each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

# --- system packages: the servers the stack starts and the browser the page's tests drive -------------------
missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
have redis-server || missing+=(redis-server)
have nginx || missing+=(nginx)
have chromium || missing+=(chromium)
have docker-compose || missing+=(docker-compose)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ -f web/package.json ] && ! have npm; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    if ! have apt-get; then
        echo "install these with your package manager, then run make again: ${missing[*]}" >&2
        exit 1
    fi
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- Python: one venv, the project editable with every extra ---------------------------------------------------
if [ ! -x .venv/bin/python ]; then
    say "python3 -m venv .venv"
    python3 -m venv .venv
fi
# Reinstalled only when pyproject.toml changed since the last install.
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
    say "pip install -e '.[api,worker,tensorflow,dev]'"
    .venv/bin/python -m pip install -e '.[api,worker,tensorflow,dev]'
    touch .venv/.installed
fi

# --- the BlazePose model files, from the packages that ship them (checked by SHA-256; kept when present) --------
say "python -m posecraft.pose.models install"
.venv/bin/python -m posecraft.pose.models install

# --- the web page --------------------------------------------------------------------------------------------
if [ -f web/package.json ]; then
    node_major=$(node --version | sed -E 's/^v([0-9]+).*/\1/')
    if [ "$node_major" -lt 20 ]; then
        echo "the web page needs Node.js 20 or newer; this machine has $(node --version)" >&2
        exit 1
    fi
    if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
        say "npm ci (web/)"
        (cd web && npm ci --no-audit --no-fund)
    fi
    say "npm run build (web/ -> web/dist)"
    (cd web && npm run build)
fi
say "installed"
