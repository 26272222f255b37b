// Package systemd holds the hardened systemd units of kretslopp-agent and
// kretslopp-collector (serve, and the daily Graph pull as a oneshot service
// with a timer). Its tests run systemd-analyze verify and
// systemd-analyze security on them where systemd is installed, and check
// the hardening keys by parsing the files everywhere.
package systemd
