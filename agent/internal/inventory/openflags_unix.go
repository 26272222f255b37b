//go:build unix

package inventory

import "syscall"

// oNonblock keeps open(2) of a FIFO from blocking (see openSysfs).
const oNonblock = syscall.O_NONBLOCK
