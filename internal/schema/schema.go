// Package schema is Kretslopp's data contract in one place: the OTLP
// metric and attribute names the agent sends, how the collector maps them,
// and every InfluxDB measurement, tag and field the project writes, with
// types, units and a line of documentation each. The agent, the collector
// and the dashboards import it; docs/schema.md's tables are generated from
// it (go test ./internal/schema -update), and a test checks that every
// name a query uses (dashboards, read API, report, lifecycle) is here.
//
// To add a measurement: add its name as a constant beside the others of
// its area (device.go, lifecycle.go, meetings.go) and a Measurement to that
// file's register call, with its tags and typed fields; then run
// go test ./internal/schema -update to regenerate docs/schema.md. A new
// area is a file of its own, an entry in Areas and a line
// "<!-- generated: internal/schema AREA -->" + "<!-- end generated -->"
// where docs/schema.md should show its table. Code that writes the
// measurement uses the constant; tests of the writer call Check on the
// points it produces.
package schema

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Type is an InfluxDB field type.
type Type string

// Field types as InfluxDB stores them.
const (
	Float   Type = "float"
	Integer Type = "integer"
	String  Type = "string"
)

// Field is a field or a tag of a measurement.
type Field struct {
	Name string
	Type Type   // empty for a tag (tags are strings)
	Unit string // "s", "unix s", "Wh", "%", "bytes", "0/1", … or empty
	Doc  string
}

// Measurement describes one InfluxDB measurement.
type Measurement struct {
	Name string
	// Area groups measurements into docs/schema.md's tables.
	Area Area
	// Time says what a point's timestamp is.
	Time string
	Doc  string
	Tags []Field
	// Labels: the agent's configuration labels are tags here too.
	Labels bool
	Fields []Field
	// MoreFields, when set, says which other fields may appear (integer
	// counts named after a column of the source); Check accepts them.
	MoreFields string
}

// Area is a section of docs/schema.md.
type Area string

// Areas; docs/schema.md has a generated table for each.
const (
	AreaDevice    Area = "device"
	AreaLifecycle Area = "lifecycle"
	AreaMeetings  Area = "meetings"
	AreaGraph     Area = "graph"
	AreaPaper     Area = "paper"
)

// Areas lists the areas in the order Measurements returns them.
var Areas = []Area{AreaDevice, AreaLifecycle, AreaMeetings, AreaGraph, AreaPaper}

// registry holds every measurement by name; the area files fill it.
var registry = map[string]*Measurement{}

func register(ms ...Measurement) {
	for i := range ms {
		m := &ms[i]
		if _, dup := registry[m.Name]; dup {
			panic("schema: measurement registered twice: " + m.Name)
		}
		registry[m.Name] = m
	}
}

// Lookup returns the measurement called name.
func Lookup(name string) (*Measurement, bool) {
	m, ok := registry[name]
	return m, ok
}

// Measurements returns every measurement, by area and then name.
func Measurements() []*Measurement {
	out := make([]*Measurement, 0, len(registry))
	for _, m := range registry {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Area != out[j].Area {
			return slices.Index(Areas, out[i].Area) < slices.Index(Areas, out[j].Area)
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Field returns the field called name.
func (m *Measurement) Field(name string) (Field, bool) {
	for _, f := range m.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// HasTag reports whether name is one of m's own tags (not a label).
func (m *Measurement) HasTag(name string) bool {
	return slices.ContainsFunc(m.Tags, func(t Field) bool { return t.Name == name })
}

// Check reports every way a point of measurement with these tags and
// fields departs from the schema: an unknown measurement, tag or field, or
// a value of the wrong type. Writers' tests call it on what they write.
func Check(measurement string, tags map[string]string, fields map[string]any) error {
	m, ok := Lookup(measurement)
	if !ok {
		return fmt.Errorf("measurement %q is not in the schema", measurement)
	}
	var errs []string
	for k := range tags {
		if m.HasTag(k) || m.Labels && ValidLabelKey(k) == nil {
			continue
		}
		errs = append(errs, fmt.Sprintf("tag %q", k))
	}
	for k, v := range fields {
		f, ok := m.Field(k)
		if !ok {
			if m.MoreFields != "" && typeOf(v) == Integer {
				continue
			}
			errs = append(errs, fmt.Sprintf("field %q", k))
			continue
		}
		if got := typeOf(v); got != f.Type {
			errs = append(errs, fmt.Sprintf("field %q is %s, want %s", k, got, f.Type))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	sort.Strings(errs)
	return fmt.Errorf("%s: not in the schema: %s", measurement, strings.Join(errs, ", "))
}

func typeOf(v any) Type {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "non-finite float"
		}
		return Float
	case int64, int, int32, uint64:
		return Integer
	case string:
		return String
	}
	return Type(fmt.Sprintf("%T", v))
}

// tags and fields build the tables below compactly.
func tags(names ...string) []Field {
	out := make([]Field, len(names))
	for i, n := range names {
		out[i] = Field{Name: n}
	}
	return out
}

func with(base []Field, more ...Field) []Field {
	return append(slices.Clip(base), more...)
}

func sortedUnique(s []string) []string {
	sort.Strings(s)
	return slices.Compact(s)
}
