#!/usr/bin/env bash
# make bench: every load figure the project tracks, printed in one run.
# Each part starts what it needs (a throw-away InfluxDB, the collector) and
# stops it again; nothing leaves loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
export KRETSLOPP_INFLUXD="${KRETSLOPP_INFLUXD:-$PWD/.tools/bin/influxd}"

echo "### ingest: agents -> collector -> InfluxDB, against direct line protocol"
go run ./collector/bench/ingestload -reports 60000 -agents 512 "$@"

echo
echo "### ingest scaling: two collector processes against the same InfluxDB"
go run ./collector/bench/ingestload -reports 60000 -agents 512 -collectors 2 "$@"

echo
echo "### ingest capacity of the collector alone: InfluxDB replaced by a sink that counts and discards"
echo "### (as if InfluxDB had a host of its own; the baseline line still uses a real InfluxDB)"
go run ./collector/bench/ingestload -reports 60000 -agents 512 -sink "$@"

echo
echo "### ingest memory: eight clients at once sending the largest requests (8 MiB), default settings"
go run ./collector/bench/ingestload -max-size "$@"

echo
echo "### device table: a collector starting with 100,000 devices in InfluxDB"
go run ./collector/bench/ingestload -device-table 100000 "$@"

echo
echo "### Go benchmarks: the ingest report path and the user-detail decoder, per operation"
go test -run '^$' -bench . -benchmem ./collector/internal/ingest ./collector/internal/meetings

echo
echo "### meetings: Teams user-detail CSV, 50,000 users, parse + aggregate"
go run ./collector/bench/meetings -users 50000

echo
echo "### printing: a year of PaperCut print logs, 400 printers, through the real importer into InfluxDB"
go run ./collector/bench/paper -printers 400 -jobs 25

if [ -x agent/bench/run.sh ]; then
	echo
	echo "### agent footprint"
	./agent/bench/run.sh
fi

echo
echo "### graph pull: a 20,000-user tenant, 29 days x 6,000 call records, throttled at Graph's documented limits (time scale 300)"
# It links msgraph-sdk-go: built like `make build` (CGO off) to reuse that compile.
CGO_ENABLED=0 go run ./collector/bench/graph -records-per-day 6000 -users 20000 -time-scale 300

echo
echo "### carbon: 10,000 serials matched and assessed, ten years of figures and their points (no InfluxDB)"
go test -run '^$' -bench Fleet10k -benchmem -count 3 ./collector/internal/carbon
