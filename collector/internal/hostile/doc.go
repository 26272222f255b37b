// Package hostile holds the hostile-client tests of issue 14: each attack
// that one leaked agent token (or a hostile file on the command line) was
// found to make against the collector is replayed against the real
// kretslopp-collector binary and a real InfluxDB, and the test asserts
// what must happen now — the fleet keeps working, memory stays bounded,
// nothing poisoned is stored or printed. The package has no code of its
// own; see docs/security.md for what each defence protects.
package hostile
