#!/usr/bin/env bash
# make test: runs each make target given in turn and prints the time each
# took and a summary at the end, so that a slow step shows (docs/benchmarks.md
# has the cold and warm figures). Stops at the first failing step.
set -uo pipefail
make="${MAKE:-make}"
summary=()
total_start=$SECONDS
for step in "$@"; do
	echo "=== make $step"
	start=$SECONDS
	if ! "$make" --no-print-directory "$step"; then
		echo "=== make $step FAILED after $((SECONDS - start)) s"
		exit 1
	fi
	summary+=("$(printf '%-16s %5d s' "$step" $((SECONDS - start)))")
done
echo "=== time per step"
printf '    %s\n' "${summary[@]}"
printf '    %-16s %5d s\n' "total" $((SECONDS - total_start))
