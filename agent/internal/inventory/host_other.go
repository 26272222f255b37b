//go:build !windows

package inventory

// rootMount is the file system holding the OS.
func rootMount() string { return "/" }
