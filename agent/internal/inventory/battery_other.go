//go:build !linux && !darwin && !windows

package inventory

import (
	"context"
	"errors"
)

// readBatteries has no source on this OS.
func readBatteries(context.Context, string) ([]Battery, error) {
	return nil, errors.New("battery: not supported on this OS")
}

// readHardware has no source on this OS.
func readHardware(context.Context, Options) (hardware, error) {
	return hardware{}, errors.New("hardware: not supported on this OS")
}
