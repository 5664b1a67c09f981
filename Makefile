# helpdesk: two commands, `make run` and `make test`. Everything else here is what they use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CATALOGS := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/helpdesk.po))

.PHONY: run test setup lock catalogs lint typecheck check extract-messages bench bench-broadcast bench-rasa train clean

run: setup ## set up and start the bot on the embedded defaults
	$(BIN)/helpdesk serve

setup: $(STAMP) catalogs

# Exact, hash-checked versions from requirements.lock (`make lock` refreshes it), then the
# project itself; scripts/check-lock fails when pyproject.toml wants what the lock lacks.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/python scripts/check-lock
	touch $(STAMP)

# `make lock` keeps the versions locked and adds what pyproject.toml gained;
# `make lock UPGRADE=1` moves everything to the newest versions the floors allow.
lock: ## refresh requirements.lock (exact versions and hashes) after changing dependencies
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q 'uv>=0.13'
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
		--generate-hashes $(if $(UPGRADE),--upgrade) --custom-compile-command "make lock" \
		-o requirements.lock

catalogs: $(CATALOGS)

locales/%/LC_MESSAGES/helpdesk.mo: locales/%/LC_MESSAGES/helpdesk.po $(STAMP)
	$(BIN)/pybabel compile -D helpdesk -i $< -o $@ >/dev/null

extract-messages: $(STAMP) ## refresh the .po catalogs after changing interface strings
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 --no-location --sort-output \
		--project helpdesk -o locales/helpdesk.pot .
	$(BIN)/pybabel update -D helpdesk -i locales/helpdesk.pot -d locales --no-fuzzy-matching --ignore-obsolete

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: setup
	$(BIN)/helpdesk content check

test: setup lint typecheck check ## set up and run the whole suite
	scripts/ensure-chromium
	scripts/ensure-nginx
	scripts/ensure-report-tools
	@url=$$(scripts/pg-test-server start) && \
	  status=0; TEST_DATABASE_URL_PG=$$url $(BIN)/pytest -q $(PYTEST_ARGS) || status=$$?; \
	  scripts/pg-test-server stop; exit $$status

bench: setup ## figures for the README
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.broadcast --readme
	$(BIN)/python -m bench.telegram_cpu

bench-rasa: setup ## Rasa 3.6 DIET on the blind set, in its own environment (.venv-rasa; about 15 minutes)
	bash bench/rasa/setup.sh
	$(BIN)/python -m bench.rasa_peer

train: setup ## refit the classifier and its cut-offs after editing examples (about 5 minutes)
	$(BIN)/python -m tuning.train

bench-broadcast: setup ## the broadcast benchmark alone (100,000 subscribers, about 4 minutes)
	$(BIN)/python -m bench.broadcast --readme

clean:
	rm -rf $(VENV) .venv-rasa var .pytest_cache .mypy_cache .ruff_cache
