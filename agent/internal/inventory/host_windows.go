//go:build windows

package inventory

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// rootMount is the volume Windows is installed on, whatever its letter:
// the volume of GetSystemWindowsDirectory, which does not depend on the
// environment a service is started with; %SystemDrive% when that fails.
func rootMount() string {
	if dir, err := windows.GetSystemWindowsDirectory(); err == nil {
		if v := filepath.VolumeName(dir); v != "" {
			return v + `\`
		}
	}
	if d := os.Getenv("SystemDrive"); d != "" {
		return d + `\`
	}
	return `C:\`
}
