//go:build linux

package inventory

import "context"

// readBatteries reads root/class/power_supply.
func readBatteries(_ context.Context, sysfsRoot string) ([]Battery, error) {
	return ReadSysfsBatteries(sysfsRoot)
}
