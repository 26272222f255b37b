// Package compose holds compose.yaml, which runs kretslopp-collector,
// InfluxDB 2.x (with a one-time setup of DBRP mapping and least-privilege
// tokens) and Grafana with the repository's dashboards on one host. Docker
// does not run in CI, so the tests load the file with the Compose
// specification's own loader (github.com/compose-spec/compose-go/v2, which
// `docker compose` uses: the specification's JSON schema, interpolation,
// declared volumes, secrets and dependencies) and check on top what the
// project asks of it: referenced files, pinned images, healthchecks,
// hardened services, secrets as files.
package compose
