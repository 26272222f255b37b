package influx

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// StringLiteral quotes s as an InfluxQL string literal ('…', with \ and '
// escaped), for values such as a device ID that come from outside.
func StringLiteral(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// TimeLiteral is t as an InfluxQL time literal.
func TimeLiteral(t time.Time) string { return StringLiteral(t.UTC().Format(time.RFC3339Nano)) }

// Row is one row of a Series, read by column name.
type Row struct {
	cols map[string]int
	vals []any
}

// Rows returns the series' rows.
func (s Series) Rows() []Row {
	cols := make(map[string]int, len(s.Columns))
	for i, c := range s.Columns {
		cols[c] = i
	}
	out := make([]Row, 0, len(s.Values))
	for _, v := range s.Values {
		out = append(out, Row{cols, v})
	}
	return out
}

// Get is the value in the named column, nil when absent or null.
func (r Row) Get(name string) any {
	i, ok := r.cols[name]
	if !ok || i >= len(r.vals) {
		return nil
	}
	return r.vals[i]
}

// Str is the named column as a string ("" when absent or not a string).
func (r Row) Str(name string) string {
	s, _ := r.Get(name).(string)
	return s
}

// Num is the named column as a number, and whether it is one.
func (r Row) Num(name string) (float64, bool) {
	switch v := r.Get(name).(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// NumPtr is Num as an optional value.
func (r Row) NumPtr(name string) *float64 {
	if v, ok := r.Num(name); ok {
		return &v
	}
	return nil
}

// IntPtr is the named column rounded to an integer, as an optional value.
func (r Row) IntPtr(name string) *int64 {
	if v, ok := r.Num(name); ok {
		n := int64(math.Round(v))
		return &n
	}
	return nil
}

// Unix reads a unix-seconds column as a time; zero when absent or ≤ 0.
func (r Row) Unix(name string) time.Time {
	if v, ok := r.Num(name); ok && v > 0 {
		return time.Unix(int64(v), 0).UTC()
	}
	return time.Time{}
}

// Time is the row's time column.
func (r Row) Time() (time.Time, error) {
	s, _ := r.Get("time").(string)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %v: %w", r.Get("time"), err)
	}
	return t.UTC(), nil
}

// Names lists the row's column names.
func (r Row) Names() []string {
	names := make([]string, 0, len(r.cols))
	for c := range r.cols {
		names = append(names, c)
	}
	return names
}
