#!/usr/bin/env bash
# `scripts/install.sh run`: what `make up` needs, from a fresh clone, on Debian or Ubuntu: the servers, a venv with
# the api and worker extras and the dev stack's servers, the model files and the built page.
# `scripts/install.sh test`: that and what only `make test` needs: TensorFlow (the runtime-parity test), pytest,
# Playwright's driver and Chromium, docker-compose (the compose file check) and the linters.
# CI runs `make test` as root on a bare clone, so every step is here; each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

mode=${1:-run}
case "$mode" in
    run) extras=api,worker,stack ;;
    test) extras=api,worker,stack,tensorflow,dev ;;
    *) echo "usage: $0 [run|test]" >&2; exit 2 ;;
esac

# Node from PyPI lands in .venv/bin (below): look there first, as the Makefile does.
export PATH="$PWD/.venv/bin:$PATH"

# --- system packages: the servers the stack starts; for the tests, the browser and docker-compose -------------
missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
have redis-server || missing+=(redis-server)
have nginx || missing+=(nginx)
if [ "$mode" = test ]; then
    have chromium || missing+=(chromium)
    have docker-compose || missing+=(docker-compose)
fi
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
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

# --- Node.js 20 or newer, for the page's build and the model install (npm pack) -------------------------------
# The machine's when it is recent enough; otherwise Node from PyPI (the `node` extra) into the venv: Debian 12's
# own nodejs is 18, which Vite 8 refuses.
node_major=$(node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/' || true)
if [ -f web/package.json ] && { ! have npm || [ "${node_major:-0}" -lt 20 ]; }; then
    extras="$extras,node"
fi

# --- Python: one venv, the project editable with the extras of this mode ---------------------------------------
if [ ! -x .venv/bin/python ]; then
    say "python3 -m venv .venv"
    python3 -m venv .venv
fi
# .venv/.installed lists the extras installed, one a line. pip runs when this mode wants one more, or when
# pyproject.toml changed since; then with every extra listed, so `make up` after `make test` keeps the test tools.
installed=$(cat .venv/.installed 2>/dev/null || true)
# shellcheck disable=SC2086  # split on purpose: one extra a word
wanted=$(printf '%s\n' $installed ${extras//,/ } | sort -u)
if [ "$wanted" != "$installed" ] || [ pyproject.toml -nt .venv/.installed ]; then
    all=$(echo $wanted | tr ' ' ,)
    say "pip install -e '.[$all]'"
    .venv/bin/python -m pip install -e ".[$all]"
    printf '%s\n' "$wanted" > .venv/.installed
fi

# --- the BlazePose model files, from the packages that ship them (checked by SHA-256; kept when present) --------
say "python -m posecraft.pose.models install"
.venv/bin/python -m posecraft.pose.models install

# --- the web page --------------------------------------------------------------------------------------------
if [ -f web/package.json ]; then
    if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
        say "npm ci (web/, Node $(node --version))"
        (cd web && npm ci --no-audit --no-fund)
    fi
    say "npm run build (web/ -> web/dist)"
    (cd web && npm run build)
fi
say "installed ($mode)"
