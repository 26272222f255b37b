package inventory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// This file finds when the operating system was installed, from file
// times under a root directory ("/" in production, a fixture in tests).
// It builds on every OS so that both the Linux and the macOS rules are
// tested everywhere; the birth-time (creation time) lookup is per OS
// (installtime_*.go) and may be nil where the OS has none.

// birthFunc returns the birth (creation) time of path; ok is false when
// the OS or file system does not record one.
type birthFunc func(path string) (t time.Time, ok bool)

// installFloor and installSlack bound a plausible install time: file times
// from image builds (SOURCE_DATE_EPOCH, the epoch) or a clock far in the
// future are not an installation.
var installFloor = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

const installSlack = 24 * time.Hour

func plausibleInstall(t, now time.Time) bool {
	return !t.Before(installFloor) && !t.After(now.Add(installSlack))
}

// linuxInstallMarkers are read, below root, when the birth time of root is
// not known: the installer's logs (Debian/Ubuntu, Fedora/RHEL), the
// machine-id written at first boot, and lost+found made by mkfs.ext*. The
// oldest plausible modification time wins.
var linuxInstallMarkers = []string{
	"var/log/installer",
	"var/log/anaconda",
	"root/anaconda-ks.cfg",
	"etc/machine-id",
	"lost+found",
}

// LinuxInstallTime is the installation time of the Linux system whose root
// file system is at root, in unix seconds. It is the birth time of root
// itself (statx STATX_BTIME: ext4, btrfs, xfs v5, …) when birth knows it,
// else the oldest modification time of linuxInstallMarkers. source names
// what was used.
func LinuxInstallTime(root string, birth birthFunc, now time.Time) (unix int64, source string, err error) {
	if birth != nil {
		if t, ok := birth(root); ok && plausibleInstall(t, now) {
			return t.Unix(), "birth time of " + display(root, ""), nil
		}
	}
	var best time.Time
	for _, rel := range linuxInstallMarkers {
		if t, ok := modTime(filepath.Join(root, filepath.FromSlash(rel))); ok && plausibleInstall(t, now) && (best.IsZero() || t.Before(best)) {
			best, source = t, "mtime of "+display(root, rel)
		}
	}
	if best.IsZero() {
		return 0, "", errors.New("os install time: no birth time of / and no installer marker")
	}
	return best.Unix(), source, nil
}

// darwinSetupDone is created by Setup Assistant when the first account is
// made after an installation (or an erase, "Erase All Content and
// Settings"); MDM workflows that skip Setup Assistant create it as well.
const darwinSetupDone = "private/var/db/.AppleSetupDone"

// darwinDataVolume is the APFS data volume (macOS 10.15 and later), made
// afresh by an erase-install and kept by upgrades.
const darwinDataVolume = "System/Volumes/Data"

// DarwinInstallTime is the installation time of the macOS system at root:
// the creation time of /private/var/db/.AppleSetupDone (its modification
// time when the creation time is unknown), else the creation time of the
// APFS data volume. Install receipts (/var/db/receipts,
// /Library/Receipts/InstallHistory.plist) are not used: upgrades and
// updates add to them, and an installation started from Recovery is not
// recorded in them at all.
func DarwinInstallTime(root string, birth birthFunc, now time.Time) (unix int64, source string, err error) {
	p := filepath.Join(root, filepath.FromSlash(darwinSetupDone))
	if birth != nil {
		if t, ok := birth(p); ok && plausibleInstall(t, now) {
			return t.Unix(), "birth time of " + display(root, darwinSetupDone), nil
		}
	}
	if t, ok := modTime(p); ok && plausibleInstall(t, now) {
		return t.Unix(), "mtime of " + display(root, darwinSetupDone), nil
	}
	if birth != nil {
		if t, ok := birth(filepath.Join(root, darwinDataVolume)); ok && plausibleInstall(t, now) {
			return t.Unix(), "birth time of " + display(root, darwinDataVolume), nil
		}
	}
	return 0, "", fmt.Errorf("os install time: no %s", display(root, darwinSetupDone))
}

func modTime(path string) (time.Time, bool) {
	fi, err := os.Lstat(path)
	if err != nil {
		return time.Time{}, false
	}
	return fi.ModTime(), true
}

// display names rel as an absolute path for messages.
func display(root, rel string) string {
	if root == "/" || root == "" {
		return "/" + strings.TrimPrefix(rel, "/")
	}
	return filepath.ToSlash(filepath.Join(root, rel))
}

// earliestInstall is the oldest plausible of the given install times (unix
// seconds), 0 when none is. Windows resets InstallDate at every feature
// update (an in-place upgrade to a new release) and keeps the earlier
// dates under HKLM\SYSTEM\Setup\Source OS (Updated on …); the oldest is
// the installation.
func earliestInstall(now time.Time, times ...int64) int64 {
	var best int64
	for _, t := range times {
		if t > 0 && plausibleInstall(time.Unix(t, 0), now) && (best == 0 || t < best) {
			best = t
		}
	}
	return best
}
