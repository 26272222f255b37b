#!/usr/bin/env bash
# Which packages `make test` runs with the race detector and which without
# (Makefile: RACE_PKGS, NORACE_PKGS). Usage: scripts/packages.sh race|norace
#
# Without -race: packages linking msgraph-sdk-go (minutes and gigabytes to
# compile with -race on two cores), the deploy/ and dashboards/ checks
# (they read files and run the built binaries as processes), and packages
# with no concurrency of their own (no goroutine, channel, sync or atomic in
# their files, tests included), whose code the race-tested packages that
# import them exercise under -race anyway, and packages without tests (bench
# programs, commands): `go test` only compiles those, and the compile that
# `make build` already did serves. A package that starts using
# goroutines is race-tested from then on, without a change here.
set -euo pipefail
cd "$(dirname "$0")/.."
concurrent='(^|[;{[:space:]])go [A-Za-z_(]|sync\.|atomic\.|chan |<-'
race=() norace=()
while read -r pkg dir tests deps; do
	case "$pkg" in
	*/deploy | */deploy/* | */dashboards | */dashboards/*) norace+=("$pkg"); continue ;;
	esac
	if [[ $tests == none || " $deps " == *" github.com/microsoftgraph/msgraph-sdk-go"* ]]; then
		norace+=("$pkg")
	elif grep -hv '^[[:space:]]*//' "$dir"/*.go 2>/dev/null | grep -E "$concurrent" >/dev/null; then
		race+=("$pkg")
	else
		norace+=("$pkg")
	fi
done < <(go list -f '{{.ImportPath}} {{.Dir}} {{if or .TestGoFiles .XTestGoFiles}}tests{{else}}none{{end}}{{range .Deps}} {{.}}{{end}}' ./...)
case "${1:-}" in
race) printf '%s\n' "${race[@]}" ;;
norace) printf '%s\n' "${norace[@]}" ;;
*) echo "usage: $0 race|norace" >&2; exit 2 ;;
esac
