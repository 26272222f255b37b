// Package compose holds compose.yaml, which runs kretslopp-collector,
// InfluxDB 2.x (with a one-time setup of DBRP mapping and least-privilege
// tokens) and Grafana with the repository's dashboards on one host. Docker
// does not run in CI, so the tests parse the file and check what
// `docker compose up` would trip over: referenced files, pinned images,
// healthchecks, secrets as files.
package compose
