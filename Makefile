# The two commands of the README: `make up` runs PoseCraft at http://127.0.0.1:8080, `make test` runs every test.
# Both install what they need first (scripts/install.sh): `make up` only what running needs, `make test` adds the
# test tools (TensorFlow, Playwright and Chromium, pytest, docker-compose, linters).
.PHONY: install install-test up test

# Node from PyPI lands in .venv/bin on machines without Node.js 20 (scripts/install.sh): found there first.
export PATH := $(CURDIR)/.venv/bin:$(PATH)

install:
	bash scripts/install.sh run

install-test:
	bash scripts/install.sh test

up: install
	.venv/bin/python -m posecraft.devstack up

# The page's unit tests first (seconds), then the linter and the type checker, then pytest, whose summary closes
# the run.
test: install-test
	if [ -f web/package.json ]; then cd web && npm test; fi
	.venv/bin/python -m ruff check .
	.venv/bin/python -m mypy
	.venv/bin/python -m pytest
