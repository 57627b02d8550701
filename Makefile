# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test install check-python bench lock clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
	  echo "Fel: portalen (Django 6) kräver Python 3.12 eller nyare, men $(PYTHON) är $$($(PYTHON) --version 2>&1)."; \
	  echo "Installera med pyenv (pyenv install 3.12) – filen .python-version väljer den i den här katalogen."; \
	  exit 1; }

$(VENV)/.installed: pyproject.toml | check-python
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev,test]"
	touch $@

install: $(VENV)/.installed

run: install
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py create_demo_users
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_DEBUG=1 $(VENV)/bin/mypy
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest

bench: install
	$(PY) bench/guidance.py
	$(PY) bench/training.py
	$(PY) bench/notice.py
	$(PY) bench/admin.py
	$(PY) bench/crypto.py
	$(PY) bench/police_bundle.py

# requirements.lock: the production dependencies (not dev or test) pinned with their hashes,
# within pyproject.toml's ranges, for every platform. Pins already in the file are kept;
# `make lock LOCKFLAGS=--upgrade` takes the newest versions the ranges allow.
lock: install
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.12 \
	  --generate-hashes --custom-compile-command "make lock" $(LOCKFLAGS) -o requirements.lock

clean:
	rm -rf $(VENV) var
