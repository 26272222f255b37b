//go:build darwin

package inventory

import (
	"syscall"
	"time"
)

// fileBirth reads st_birthtimespec, which APFS and HFS+ always record.
func fileBirth(path string) (time.Time, bool) {
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		return time.Time{}, false
	}
	if st.Birthtimespec.Sec <= 0 {
		return time.Time{}, false
	}
	return time.Unix(st.Birthtimespec.Sec, st.Birthtimespec.Nsec), true
}
