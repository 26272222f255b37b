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

// ValidLabelValue is the label value rule, which the agent applies at
// start: a value the collector cannot store as the tag key is refused
// there, naming the key and why. A value must be non-empty (InfluxDB keeps
// no empty tag) and pass CheckText with MaxTextLen, the rule the collector
// applies to every stored string.
func ValidLabelValue(key, value string) error {
	if value == "" {
		return fmt.Errorf("label %q: empty value (InfluxDB stores no empty tag)", key)
	}
	if err := CheckText(value, MaxTextLen); err != nil {
		return fmt.Errorf("label %q: value %w", key, err)
	}
	return nil
}

// RootFilesystem reports whether a system.filesystem.limit data point is
// the system volume, whose size the collector stores as device.disk_bytes.
// A point that carries kretslopp.filesystem.system (marked) is the system
// volume exactly when that is true, whatever its mountpoint: the agent
// marks the volume Windows is installed on, which need not be C:. A point
// without the mark counts only with the mountpoint "/", "C:\", "C:" or
// none, the system volume of nearly every machine: a generic sender that
// reports every mounted volume (the OpenTelemetry host metrics receiver's
// filesystem scraper) would otherwise store a data drive or a USB stick.
// Other points are ignored.
func RootFilesystem(mountpoint string, marked, system bool) bool {
	if marked {
		return system
	}
	switch mountpoint {
	case "", "/", `C:\`, "C:":
		return true
	}
	return false
}
