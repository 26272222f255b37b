package schema

import (
	"fmt"
	"strings"
)

// Parts of docs/schema.md that Markdown renders, besides the Areas.
const (
	PartResource = "otlp-resource"
	PartMetrics  = "otlp-metrics"
	PartBattery  = "otlp-battery"
	PartLabels   = "label-rule"
)

// Markdown renders one generated table of docs/schema.md: a Part above or
// the measurements of an Area.
func Markdown(part string) (string, error) {
	var b strings.Builder
	switch part {
	case PartResource, PartBattery:
		attrs := ResourceAttributes
		if part == PartBattery {
			attrs = BatteryAttributes
		}
		b.WriteString("| attribute | type | example | InfluxDB |\n|---|---|---|---|\n")
		for _, a := range attrs {
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", a.Name, otlpType(a.Type), a.Example, stored(a.Tag, a.Field, a.Note))
		}
	case PartLabels:
		fmt.Fprintf(&b, "Label keys are lower-case `%s` (at most 64 characters) and none of these names, which the device and battery measurements use: ", labelKey.String()[1:len(labelKey.String())-1])
		for i, k := range ReservedLabelKeys() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("`" + k + "`")
		}
		b.WriteString(".\n\n")
		fmt.Fprintf(&b, "Label values are non-empty, valid UTF-8, at most %d characters, hold no control character (C0, DEL, C1), no line or paragraph separator (U+2028, U+2029) and no bidirectional formatting character (U+202A–U+202E, U+2066–U+2069), and do not end with a backslash.\n", MaxTextLen)
	case PartMetrics:
		b.WriteString("| metric | unit | point attributes | InfluxDB |\n|---|---|---|---|\n")
		for _, mt := range Metrics {
			var attrs []string
			if mt.Battery {
				attrs = append(attrs, "battery attributes")
			}
			for _, a := range mt.PointAttributes {
				attrs = append(attrs, "`"+a+"`")
			}
			note := string(mt.Type)
			if mt.Note != "" {
				note += "; " + mt.Note
			}
			fmt.Fprintf(&b, "| `%s` | `%s` | %s | `%s.%s` (%s) |\n", mt.Name, mt.Unit, strings.Join(attrs, ", "), mt.Measurement, mt.Field, note)
		}
	default:
		b.WriteString("| measurement | time | tags | fields |\n|---|---|---|---|\n")
		n := 0
		for _, m := range Measurements() {
			if string(m.Area) != part {
				continue
			}
			n++
			var tagCells []string
			for _, t := range m.Tags {
				tagCells = append(tagCells, described("`"+t.Name+"`", t.Doc))
			}
			if m.Labels {
				tagCells = append(tagCells, "labels (`site`, `department`, …)")
			}
			var fieldCells []string
			for _, f := range m.Fields {
				kind := string(f.Type)
				if f.Unit != "" {
					kind += ", " + f.Unit
				}
				fieldCells = append(fieldCells, described(fmt.Sprintf("`%s` (%s)", f.Name, kind), f.Doc))
			}
			if m.MoreFields != "" {
				fieldCells = append(fieldCells, "and "+m.MoreFields)
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", m.Name, m.Time, strings.Join(tagCells, ", "), strings.Join(fieldCells, "; "))
		}
		if n == 0 {
			return "", fmt.Errorf("schema: no part %q", part)
		}
	}
	return b.String(), nil
}

func described(s, doc string) string {
	if doc == "" {
		return s
	}
	return s + ": " + doc
}

func otlpType(t Type) string {
	if t == Integer {
		return "int"
	}
	return string(t)
}

func stored(tag, field, note string) string {
	out := "(not stored)"
	switch {
	case tag != "":
		out = "tag `" + tag + "`"
	case field != "":
		out = "field `" + field + "`"
	}
	if note != "" {
		out += "; " + note
	}
	return out
}
