#!/bin/sh
# One-time setup of InfluxDB 2.x for Kretslopp, run by the influx-setup
# container of compose.yaml after the influxdb image's own first-start setup
# (DOCKER_INFLUXDB_INIT_*: organisation, bucket, admin token). Safe to run
# again: it creates only what is missing. With the admin token it:
#   1. maps the InfluxQL database/retention policy kretslopp/autogen to the
#      bucket (DBRP), because the dashboards and the collector query InfluxQL;
#   2. creates a collector token (read and write on the bucket only) and a
#      Grafana token (read only), and leaves them in the shared /tokens
#      volume for those two containers. The admin token stays a secret file
#      that only this container reads.
set -eu
org="${INFLUX_ORG:?}"
bucket="${INFLUX_BUCKET:?}"
: "${INFLUX_HOST:?}"
INFLUX_TOKEN=$(cat "${INFLUX_ADMIN_TOKEN_FILE:?}")
export INFLUX_HOST INFLUX_TOKEN
bucket_id=$(influx bucket list --org "$org" --name "$bucket" --hide-headers | cut -f1)
[ -n "$bucket_id" ] || { echo "bucket $bucket not found" >&2; exit 1; }

if ! influx v1 dbrp list --org "$org" --db "$bucket" --hide-headers | grep -q .; then
	influx v1 dbrp create --org "$org" --bucket-id "$bucket_id" --db "$bucket" --rp autogen --default
fi

umask 077
mkdir -p /tokens
if [ ! -s /tokens/collector.token ]; then
	influx auth create --org "$org" --description "kretslopp-collector" \
		--read-bucket "$bucket_id" --write-bucket "$bucket_id" --hide-headers --json |
		sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' > /tokens/collector.token
fi
if [ ! -s /tokens/grafana.token ]; then
	influx auth create --org "$org" --description "grafana (read only)" \
		--read-bucket "$bucket_id" --hide-headers --json |
		sed -n 's/.*"token": *"\([^"]*\)".*/\1/p' > /tokens/grafana.token
fi
for f in collector grafana; do
	[ -s "/tokens/$f.token" ] || { echo "could not create the $f token" >&2; exit 1; }
done
# Owners: the collector image runs as 65532, Grafana as 472.
chown 65532:65532 /tokens/collector.token
chown 472:0 /tokens/grafana.token
chmod 0400 /tokens/collector.token /tokens/grafana.token
echo "kretslopp: DBRP $bucket/autogen -> $bucket_id, collector and grafana tokens written"
