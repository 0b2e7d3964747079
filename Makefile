# Everything a fresh clone needs: `make run` and `make test` (README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
BUF_VERSION := 1.75.0
BUF := .tools/node_modules/.bin/buf
PROTOS := $(sort $(wildcard proto/neurogate/v1/*.proto))

.PHONY: run test install generate check-generated lint bench clean

run: $(STAMP)
	$(VENV)/bin/neurogate run

test: $(STAMP) check-generated lint
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test,bench]'
	touch $@

$(BUF):
	npm install --silent --no-save --no-package-lock --prefix .tools @bufbuild/buf@$(BUF_VERSION)

# Regenerates generated/ from proto/: Python messages, .pyi stubs, gRPC stubs
# and the descriptor set Envoy's transcoder loads.
generate: $(STAMP)
	$(PY) server/codegen.py generated

# Fails when generated/ is not what `make generate` would write.
check-generated: $(STAMP)
	$(PY) server/codegen.py --check generated

lint: $(STAMP) $(BUF)
	$(PY) server/codegen.py --descriptor .tools/lint.binpb
	$(BUF) lint .tools/lint.binpb --config buf.yaml --path neurogate/v1
	$(PY) -m ruff check server tests bench envoy
	$(PY) -m ruff format --check server tests bench envoy

bench: $(STAMP)
	$(PY) bench/unary.py
	$(PY) bench/streaming.py
	$(PY) bench/analytics.py
	$(PY) bench/spc.py

clean:
	rm -rf $(VENV) .tools data .pytest_cache
