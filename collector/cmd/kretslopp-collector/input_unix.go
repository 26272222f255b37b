//go:build unix

package main

import (
	"os"
	"syscall"
)

// openNoBlock opens name without waiting for a writer when it is a FIFO;
// for a regular file O_NONBLOCK changes nothing.
func openNoBlock(name string) (*os.File, error) {
	return os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
