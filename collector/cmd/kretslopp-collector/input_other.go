//go:build !unix

package main

import "os"

// openNoBlock opens name; outside Unix opening a named pipe does not wait
// for its writer.
func openNoBlock(name string) (*os.File, error) { return os.Open(name) }
