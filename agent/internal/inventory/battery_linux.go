//go:build linux

package inventory

import "context"

// readBatteries reads root/class/power_supply.
func readBatteries(ctx context.Context, sysfsRoot string) ([]Battery, error) {
	return ReadSysfsBatteries(ctx, sysfsRoot)
}
