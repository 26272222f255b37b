//go:build !unix

package inventory

// oNonblock: there is no sysfs here; files open as usual.
const oNonblock = 0
