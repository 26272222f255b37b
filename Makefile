# Kretslopp — build, test, benchmark and demo.
# `make demo` runs the whole pipeline locally; `make test` is what CI runs.

GO        ?= go
TOOLS     := $(CURDIR)/.tools/bin
INFLUXD   := $(TOOLS)/influxd
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X main.version=$(VERSION)
export KRETSLOPP_INFLUXD := $(INFLUXD)
NFPM_VERSION := $(shell cat deploy/packaging/NFPM_VERSION)
NFPM      := $(TOOLS)/nfpm
PKG_ARCH  ?= amd64
# staticcheck, pinned: the newest release that builds with Go 1.26.
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(TOOLS)/staticcheck-$(STATICCHECK_VERSION)
# Debian packages whose programs the tests run: dpkg-deb and dpkg --root
# (packaging), systemctl and systemd-analyze (units), Chromium (report).
TEST_DEBS := dpkg systemd chromium

# Grafana's published dashboard types (@grafana/schema) and TypeScript,
# pinned in package-lock.json, for the dashboards' type check (Node and
# npm: on the machine, else from Debian in `make tools`).
GRAFANA_NPM := dashboards/testdata/grafana
GRAFANA_NPM_STAMP := $(GRAFANA_NPM)/node_modules/.installed

# Where `make test`'s time goes from empty Go caches (docs/benchmarks.md):
# compiling msgraph-sdk-go, InfluxDB, k8s.io/api and the standard library,
# once per configuration. So everything that can share one compiled copy
# does: the InfluxDB install, `make build`, vet, staticcheck and the tests
# without the race detector all run with CGO_ENABLED=0, -trimpath and no
# -race. The race detector (which needs cgo and compiles everything again)
# runs where our code is concurrent (scripts/packages.sh says which).
export GOFLAGS := $(strip $(GOFLAGS) -trimpath)
NOCGO        = CGO_ENABLED=0
RACE_PKGS    = $(shell ./scripts/packages.sh race)
NORACE_PKGS  = $(shell ./scripts/packages.sh norace)

CROSS := windows/amd64 windows/arm64 darwin/amd64 darwin/arm64 linux/arm64
.PHONY: all build dashboards packages influxdb tools grafana-schema test test-race test-norace cross cross-test lint bench demo clean

all: build

# The agent is built for HTTP/1.1 only (nethttpomithttp2): a smaller binary
# and resident set, see docs/benchmarks.md.
build:
	@mkdir -p bin
	CGO_ENABLED=0 $(GO) build -tags nethttpomithttp2 -trimpath -ldflags '$(LDFLAGS)' -o bin/kretslopp-agent ./agent/cmd/kretslopp-agent
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o bin/kretslopp-collector ./collector/cmd/kretslopp-collector

# Regenerate the committed Grafana JSON and the generated half of
# docs/dashboards.md from dashboards/*.go; `make test` fails while the
# committed files differ.
dashboards:
	$(GO) run ./dashboards/cmd/gen

# .deb and .rpm for agent and collector into dist/ (nfpm, pinned).
packages: build $(NFPM)
	NFPM=$(NFPM) PKG_ARCH=$(PKG_ARCH) ./deploy/packaging/build.sh dist

$(NFPM):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(GO) install github.com/goreleaser/nfpm/v2/cmd/nfpm@$(NFPM_VERSION)

# InfluxDB OSS 1.8.10 from the Go module proxy: the real server the
# integration tests and the demo run against.
influxdb: $(INFLUXD)
$(INFLUXD):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(NOCGO) $(GO) install github.com/influxdata/influxdb/cmd/influxd@v1.8.10

# Every program the tests need beyond Go and InfluxDB, from Debian (root
# installs them; nothing happens when they are there). Under CI=true a
# test whose tool is missing fails rather than skips (internal/testkit).
tools:
	@missing=$$(for p in $(TEST_DEBS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then apt-get update && apt-get install -y --no-install-recommends $$missing; fi
	@command -v node >/dev/null && command -v npm >/dev/null || { apt-get update && apt-get install -y --no-install-recommends nodejs npm; }

# npm ci only when package-lock.json changed; without npm the type check
# skips on a developer machine and fails under CI=true.
grafana-schema:
	@if ! command -v npm >/dev/null; then echo "no npm: the dashboards' type check cannot run (make tools installs Node)"; \
	elif [ ! -f $(GRAFANA_NPM_STAMP) ] || [ $(GRAFANA_NPM)/package-lock.json -nt $(GRAFANA_NPM_STAMP) ]; then \
		cd $(GRAFANA_NPM) && npm ci --omit=dev --no-audit --no-fund && touch node_modules/.installed; fi

# Each step in turn, with the time it took (scripts/steps.sh).
TEST_STEPS := tools grafana-schema influxdb build cross-test lint test-race test-norace
test:
	@MAKE="$(MAKE)" ./scripts/steps.sh $(TEST_STEPS)

# The tests run the binaries `make build` has just written (KRETSLOPP_BIN_DIR)
# instead of linking their own. -vet=off: `make lint` runs all of go vet
# (go test's own vet subset would analyse the standard library and every
# dependency again, once per configuration).
test-race: influxdb build
	KRETSLOPP_BIN_DIR=$(CURDIR)/bin $(GO) test -race -vet=off -count=1 -timeout 15m $(RACE_PKGS)

test-norace: influxdb build grafana-schema $(NFPM)
	KRETSLOPP_BIN_DIR=$(CURDIR)/bin $(NOCGO) $(GO) test -vet=off -count=1 -timeout 15m $(NORACE_PKGS)

# The agent runs on every desktop OS; `make cross` compiles it for each.
# `make test` type-checks it for each instead (scripts/crosscheck): the same
# build tags and the same type errors, without compiling the standard
# library again per target (about 40 s each from a cold cache).
cross:
	@for target in $(CROSS); do \
		echo "cross-compile agent for $$target"; \
		CGO_ENABLED=0 GOOS=$${target%/*} GOARCH=$${target#*/} $(GO) build -o /dev/null ./agent/... || exit 1; \
	done

cross-test:
	$(NOCGO) $(GO) run ./scripts/crosscheck -pkgs ./agent/... $(CROSS)

$(STATICCHECK):
	@mkdir -p $(TOOLS)
	GOBIN=$(TOOLS) $(NOCGO) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) && mv $(TOOLS)/staticcheck $(STATICCHECK)

lint: $(STATICCHECK)
	$(NOCGO) $(GO) vet ./...
	$(NOCGO) $(STATICCHECK) ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

bench: influxdb build
	./scripts/bench.sh

demo: influxdb build
	$(GO) run ./collector/cmd/kretslopp-demo

clean:
	rm -rf bin dist demo-data
