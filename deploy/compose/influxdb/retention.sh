#!/bin/sh
# Retention for the single Kretslopp bucket: the raw per-report measurements
# (device, battery) are kept RAW_DAYS (default 90) days; device_daily,
# battery_daily and the meetings measurements are kept forever. InfluxDB
# retention is per bucket and the collector writes one bucket, so the raw
# points are deleted by predicate once a day (see docs/operations.md,
# "Retention"). Runs in the influxdb image with the collector's token, which
# may write (and so delete) in this bucket only.
set -eu
: "${INFLUX_HOST:=http://influxdb:8086}"
: "${INFLUX_ORG:?}"
: "${INFLUX_BUCKET:?}"
: "${INFLUX_TOKEN_FILE:=/tokens/collector.token}"
: "${RAW_DAYS:=90}"
INFLUX_TOKEN=$(cat "$INFLUX_TOKEN_FILE")
export INFLUX_HOST INFLUX_TOKEN
while :; do
	stop=$(date -u -d "@$(( $(date +%s) - RAW_DAYS * 86400 ))" +%Y-%m-%dT%H:%M:%SZ)
	for m in device battery; do
		if influx delete --org "$INFLUX_ORG" --bucket "$INFLUX_BUCKET" \
			--start 1970-01-01T00:00:00Z --stop "$stop" --predicate "_measurement=\"$m\""; then
			echo "retention: deleted $m before $stop"
		else
			echo "retention: delete of $m before $stop failed; next try in an hour" >&2
			sleep 3600
			continue 2
		fi
	done
	touch /tmp/retention.alive
	sleep 86400
done
