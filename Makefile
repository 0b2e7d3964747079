# Everything a fresh clone needs: `make run` and `make test` (README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
BUF_VERSION := 1.75.0
BUF := .tools/node_modules/.bin/buf
PROTOS := $(sort $(wildcard proto/neurogate/v1/*.proto))
# Debian's Go toolchain, protoc plugins and the Go sources of gRPC, protobuf
# and genproto: the Go client builds offline against /usr/share/gocode.
# golang/protobuf 1.5 (not the 1.3 that grpc-dev pulls in) wraps the APIv2
# messages protoc-gen-go writes; with 1.3 every call panics.
GO_PACKAGES := golang-go protoc-gen-go protoc-gen-go-grpc golang-google-grpc-dev \
	golang-google-protobuf-dev golang-google-genproto-dev golang-github-golang-protobuf-1-5-dev

.PHONY: run test install generate check-generated lint bench clean \
	go-tools go-stubs check-go-stubs go-build

run: $(STAMP)
	$(VENV)/bin/neurogate run

test: $(STAMP) check-generated check-go-stubs lint
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test,bench]'
	touch $@

$(BUF):
	npm install --silent --no-save --no-package-lock --prefix .tools @bufbuild/buf@$(BUF_VERSION)

# Regenerates generated/ from proto/: Python messages, .pyi stubs, gRPC stubs,
# the descriptor set Envoy's transcoder loads and the OpenAPI document; and
# the Go stubs (go-stubs).
generate: $(STAMP) go-stubs
	$(PY) server/codegen.py generated

# Fails when generated/ is not what `make generate` would write.
check-generated: $(STAMP)
	$(PY) server/codegen.py --check generated

lint: $(STAMP) $(BUF)
	$(PY) server/codegen.py --descriptor .tools/lint.binpb
	$(BUF) lint .tools/lint.binpb --config buf.yaml --path neurogate/v1
	$(PY) -m ruff check server tests bench envoy clients examples
	$(PY) -m ruff format --check server tests bench envoy clients examples
	@if command -v gofmt >/dev/null; then \
		unformatted=$$(gofmt -l clients/go/cmd); \
		test -z "$$unformatted" || { echo "gofmt needed: $$unformatted"; exit 1; }; \
	fi

# Installs GO_PACKAGES when one is missing (needs root). Without them the Go
# stub check and the Go client's end-to-end test skip, saying why.
go-tools:
	@installed=$$(dpkg-query -W -f='$${db:Status-Abbrev}\n' $(GO_PACKAGES) 2>/dev/null | grep -c '^ii'); \
	if [ "$$installed" -ne $(words $(GO_PACKAGES)) ]; then \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $(GO_PACKAGES) >/dev/null; } \
		|| echo "warning: could not install $(GO_PACKAGES); the Go client is not built"; \
	fi

# Regenerates the committed Go stubs (clients/go/neurogate/v1) from proto/.
go-stubs: $(STAMP) go-tools
	clients/go/generate.sh

# Fails when the Go stubs are not what `make go-stubs` would write.
check-go-stubs: $(STAMP) go-tools
	@if ! command -v protoc-gen-go >/dev/null || ! command -v protoc-gen-go-grpc >/dev/null; then \
		echo "skipped: protoc-gen-go and protoc-gen-go-grpc are not installed"; \
	else \
		scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
		clients/go/generate.sh "$$scratch" && \
		diff -r "$$scratch/neurogate/v1" clients/go/neurogate/v1 \
		|| { echo "clients/go is out of date with proto/; run \`make go-stubs\`"; exit 1; }; \
	fi

# The Go example program: clients/go/bin/neurogate-example.
go-build: go-tools
	clients/go/build.sh

bench: $(STAMP)
	$(PY) bench/unary.py
	$(PY) bench/streaming.py
	$(PY) bench/analytics.py
	$(PY) bench/spc.py
	$(PY) bench/compute_fairness.py --warm
	$(PY) bench/database_faults.py
	$(PY) bench/slow_rest_clients.py
	$(PY) bench/xlsx_bomb.py

clean:
	rm -rf $(VENV) .tools data .pytest_cache
