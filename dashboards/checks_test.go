package dashboards_test

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/kretslopp/kretslopp/internal/testkit"
)

// col is the index of column name in s (-1: none).
func col(s testkit.Series, name string) int { return slices.Index(s.Columns, name) }

// num is the number in row at column name of s.
func num(s testkit.Series, row []any, name string) (float64, bool) {
	i := col(s, name)
	if i < 0 || i >= len(row) {
		return 0, false
	}
	f, ok := row[i].(float64)
	return f, ok
}

// byTag returns the series whose tag key has value.
func byTag(series []testkit.Series, key, value string) (testkit.Series, bool) {
	for _, s := range series {
		if s.Tags[key] == value {
			return s, true
		}
	}
	return testkit.Series{}, false
}

// onlyRow is the single row of the series whose tag key has value; ok is
// false when there is no such series or it has more than one row.
func onlyRow(series []testkit.Series, key, value string) (testkit.Series, []any, bool) {
	s, ok := byTag(series, key, value)
	if !ok || len(s.Values) != 1 {
		return s, nil, false
	}
	return s, s.Values[0], true
}

// tagValues lists the values of tag key over the series, sorted.
func tagValues(series []testkit.Series, key string) []string {
	var out []string
	for _, s := range series {
		out = append(out, s.Tags[key])
	}
	sort.Strings(out)
	return out
}

// columnSum sums column name over every row of every series.
func columnSum(series []testkit.Series, name string) float64 {
	var sum float64
	for _, s := range series {
		for _, r := range s.Values {
			if v, ok := num(s, r, name); ok {
				sum += v
			}
		}
	}
	return sum
}

// atTime is the value of column name in the row of s at time t
// (RFC 3339, as InfluxDB returns it).
func atTime(s testkit.Series, t, name string) (float64, bool) {
	for _, r := range s.Values {
		if len(r) > 0 && r[0] == t {
			return num(s, r, name)
		}
	}
	return 0, false
}

// times lists the time column of s.
func times(s testkit.Series) []string {
	var out []string
	for _, r := range s.Values {
		if t, ok := r[0].(string); ok {
			out = append(out, t)
		}
	}
	return out
}

// within says what is wrong when got is not want ± tol ("" if nothing).
func within(what string, got, want, tol float64) string {
	if math.Abs(got-want) > tol {
		return fmt.Sprintf("%s = %v, want %v (± %v)", what, got, want, tol)
	}
	return ""
}

// joinProblems joins the problems found ("" if none).
func joinProblems(problems ...string) string {
	var out []string
	for _, p := range problems {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}
