#!/bin/sh
# Builds the kretslopp-agent and kretslopp-collector .deb and .rpm packages
# with nfpm. Usage: deploy/packaging/build.sh [OUTDIR]   (default dist/)
#
# Environment:
#   NFPM         nfpm command (default: nfpm on PATH)
#   PKG_VERSION  package version (default: from `git describe`, v stripped,
#                or 0.0.0~git<commit> before the first tag)
#   PKG_ARCH     Debian-style architecture of the binaries (default amd64)
#   BIN_DIR      folder with kretslopp-agent and kretslopp-collector
#                (default bin/, as written by `make build`)
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$repo/dist}
case "$out" in /*) ;; *) out=$(pwd)/$out ;; esac
NFPM=${NFPM:-nfpm}
if [ -z "${PKG_VERSION:-}" ]; then
	if tag=$(git -C "$repo" describe --tags --match 'v[0-9]*' 2>/dev/null); then
		PKG_VERSION=$(printf '%s' "${tag#v}" | tr - '~')
	else
		PKG_VERSION="0.0.0~git$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
	fi
fi
PKG_ARCH=${PKG_ARCH:-amd64}
BIN_DIR=${BIN_DIR:-$repo/bin}
export PKG_VERSION PKG_ARCH BIN_DIR
for b in kretslopp-agent kretslopp-collector; do
	[ -x "$BIN_DIR/$b" ] || { echo "build.sh: $BIN_DIR/$b missing (run make build)" >&2; exit 1; }
done
mkdir -p "$out"
cd "$repo"
for name in agent collector; do
	for packager in deb rpm; do
		# shellcheck disable=SC2086 # NFPM may be "go run module@version"
		$NFPM package --config "deploy/packaging/nfpm-$name.yaml" --packager "$packager" --target "$out/"
	done
done
