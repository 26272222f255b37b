// Package prometheus holds the Prometheus alert rules for the collector
// (alerts.yaml). Its tests check the rule file's structure, that every
// alert links to its explanation in docs/operations.md, and that every
// metric an alert uses is one a running collector serves on /metrics.
package prometheus
