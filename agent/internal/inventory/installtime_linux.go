//go:build linux

package inventory

import (
	"time"

	"golang.org/x/sys/unix"
)

// fileBirth reads the birth time with statx(2) (Linux 4.11 and later); ok
// is false when the kernel or file system does not report STATX_BTIME
// (ext3, tmpfs, older xfs, overlayfs on some kernels).
func fileBirth(path string) (time.Time, bool) {
	var st unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, path, unix.AT_SYMLINK_NOFOLLOW|unix.AT_STATX_SYNC_AS_STAT, unix.STATX_BTIME, &st); err != nil {
		return time.Time{}, false
	}
	if st.Mask&unix.STATX_BTIME == 0 || (st.Btime.Sec == 0 && st.Btime.Nsec == 0) {
		return time.Time{}, false
	}
	return time.Unix(st.Btime.Sec, int64(st.Btime.Nsec)), true
}
