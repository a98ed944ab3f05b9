# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PACKAGES := shared testkit gateway services/identity services/portal-config services/billing services/proposals \
            services/requests services/visits services/notifications services/portal-web \
            deploy/mailsink deploy/webhook-receiver deploy/payment-sandbox deploy/devstack
STAMP  := $(VENV)/.installed

# Tests talk to these real servers; override to point elsewhere (CI uses the same local ones).
export TEST_POSTGRES_URL ?= postgresql+psycopg://localhost:5432
export TEST_AMQP_URL     ?= amqp://guest:guest@localhost:5672/%2F
export TEST_REDIS_URL    ?= redis://localhost:6379/15

.PHONY: install run test test-unit test-integration test-e2e browser clean bench

$(STAMP): constraints.txt requirements-dev.txt $(addsuffix /pyproject.toml,$(PACKAGES))
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -r requirements-dev.txt $(addprefix -e ,$(PACKAGES))
	touch $@

install: $(STAMP)
	scripts/ensure-system-libs.sh

run: install
	$(BIN)/portal-dev run

browser:
	scripts/ensure-chromium.sh

test: install browser
	$(BIN)/pytest

test-unit: install
	$(BIN)/pytest -m "not integration and not e2e"

test-integration: install
	$(BIN)/pytest -m integration

test-e2e: install browser
	$(BIN)/pytest -m e2e

clean:
	rm -rf $(VENV) .run test-artifacts

# Prints every figure beside its ceiling, asserts nothing (docs/performance.md records them); a stack of
# its own on ports +30000, throwaway databases. `make bench ONLY="web memory"` runs some sections.
bench: install
	scripts/ensure-bench-tools.sh
	$(BIN)/python benchmarks/run_all.py $(if $(ONLY),--only $(ONLY))
