//go:build windows

package inventory

import (
	"context"
	"strings"
	"time"

	"golang.org/x/sys/windows/registry"
)

// readHardware reads Win32_ComputerSystem, Win32_BIOS and
// Win32_OperatingSystem, and the install dates kept from before feature
// updates in the registry.
func readHardware(ctx context.Context, _ Options) (hardware, error) {
	h, err := wmiHardware(ctx, comWMI{})
	wmiTime := h.OSInstallTime
	if t := earliestInstall(time.Now(), append(sourceOSInstallDates(), wmiTime)...); t > 0 {
		h.OSInstallTime = t
		h.OSInstallSource = `registry HKLM\SYSTEM\Setup\Source OS (Updated on …)\InstallDate`
		if t == wmiTime {
			h.OSInstallSource = "WMI Win32_OperatingSystem.InstallDate"
		}
	}
	return h, transient(err)
}

// sourceOSInstallDates reads InstallDate (unix seconds, REG_DWORD) of every
// HKLM\SYSTEM\Setup\Source OS (Updated on …) key, which Windows writes for
// the release it replaced at each feature update. Readable by every user.
func sourceOSInstallDates() []int64 {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\Setup`, registry.ENUMERATE_SUB_KEYS)
	if err != nil {
		return nil
	}
	defer k.Close()
	names, err := k.ReadSubKeyNames(-1)
	if err != nil {
		return nil
	}
	var out []int64
	for _, n := range names {
		if !strings.HasPrefix(n, "Source OS") {
			continue
		}
		sk, err := registry.OpenKey(k, n, registry.QUERY_VALUE)
		if err != nil {
			continue
		}
		if v, _, err := sk.GetIntegerValue("InstallDate"); err == nil {
			out = append(out, int64(v))
		}
		sk.Close()
	}
	return out
}
