// Package doccheck holds the tests that keep the documentation honest
// about measured figures: a number that `make bench` prints is quoted in
// docs only together with the command that prints it, so that a reader
// can measure it again and a change that moves it shows where.
package doccheck
