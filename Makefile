# The two commands of the README: `make up` runs PoseCraft at http://127.0.0.1:8080, `make test` runs every test.
# Both install what they need first (scripts/install.sh: apt packages, .venv, model files, the built page).
.PHONY: install up test

install:
	bash scripts/install.sh

up: install
	.venv/bin/python -m posecraft.devstack up

# The page's unit tests first (seconds), then the linter and the type checker, then pytest, whose summary closes
# the run.
test: install
	if [ -f web/package.json ]; then cd web && npm test; fi
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/pytest
