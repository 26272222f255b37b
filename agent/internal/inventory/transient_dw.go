//go:build darwin || windows

package inventory

// transient wraps err (nil stays nil) so that the Reader reads again next
// cycle: a failed ioreg or WMI query may pass.
func transient(err error) error {
	if err == nil {
		return nil
	}
	return transientError{err}
}
