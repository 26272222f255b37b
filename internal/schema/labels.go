package schema

import (
	"fmt"
	"regexp"
	"sync"
)

// LabelPrefix marks the agent's configuration labels (site, department,
// …) among the resource attributes: kretslopp.label.<key>. The collector
// stores each as the tag <key> of the device measurements.
const LabelPrefix = "kretslopp.label."

// KnownLabels are the labels the documentation and queries name; any key
// that ValidLabelKey accepts works the same way.
var KnownLabels = []string{"site", "department"}

var labelKey = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// ValidLabelKey is the one label rule: the agent refuses a bad key at
// start and the collector leaves it out (partial success names it). A key
// is lower-case [a-z][a-z0-9_]*, at most 64 characters, and no tag or field
// of the device and battery measurements (a label must not shadow
// hostname, serial, uptime_s, last_seen, …) nor InfluxDB's "time".
func ValidLabelKey(key string) error {
	if !labelKey.MatchString(key) {
		return fmt.Errorf("label key %q: use lower-case letters, digits and _, starting with a letter, at most 64 characters", key)
	}
	if reserved()[key] {
		return fmt.Errorf("label key %q is reserved: it is a tag or field of the device measurements", key)
	}
	return nil
}

// ReservedLabelKeys lists the names ValidLabelKey refuses as taken, sorted.
func ReservedLabelKeys() []string {
	var out []string
	for k := range reservedLabels() {
		out = append(out, k)
	}
	return sortedUnique(out)
}

// reserved is reservedLabels, computed once (the registry is complete
// after init); ingest asks for every label of every report.
var reserved = sync.OnceValue(reservedLabels)

func reservedLabels() map[string]bool {
	out := map[string]bool{"time": true}
	for _, name := range []string{Device, DeviceDaily, Battery, BatteryDaily} {
		m := registry[name]
		for _, f := range append(m.Tags, m.Fields...) {
			out[f.Name] = true
		}
	}
	return out
}

// RootFilesystem reports whether a system.filesystem.limit data point with
// this system.filesystem.mountpoint is the system's root file system, the
// one whose size the collector stores as device.disk_bytes: "/" or the C:
// drive (or no mountpoint at all). Other mountpoints are ignored.
func RootFilesystem(mountpoint string) bool {
	switch mountpoint {
	case "", "/", `C:\`, "C:":
		return true
	}
	return false
}
