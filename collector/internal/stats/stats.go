// Package stats holds the small distribution helpers that the fleet and
// lifecycle figures share: histogram buckets and a median.
package stats

import (
	"math"
	"sort"
)

// Bucket is one bar of a distribution: [From, To) in the unit of the
// distribution (years, percent, days); nil is open-ended.
type Bucket struct {
	Label string   `json:"label"`
	From  *float64 `json:"from"`
	To    *float64 `json:"to"`
	Count int      `json:"count"`
}

// Buckets makes len(labels) buckets split at edges (len(labels)-1 of
// them); the first is open below, the last open above.
func Buckets(edges []float64, labels []string) []Bucket {
	out := make([]Bucket, len(labels))
	for i := range labels {
		out[i].Label = labels[i]
		if i > 0 {
			out[i].From = Ptr(edges[i-1])
		}
		if i < len(edges) {
			out[i].To = Ptr(edges[i])
		}
	}
	return out
}

// Add counts v in the bucket it falls in.
func Add(bs []Bucket, v float64) {
	for i := range bs {
		if (bs[i].From == nil || v >= *bs[i].From) && (bs[i].To == nil || v < *bs[i].To) {
			bs[i].Count++
			return
		}
	}
}

// Median is the median of v rounded to one decimal, nil for no values.
func Median(v []float64) *float64 {
	m, ok := Mid(v)
	if !ok {
		return nil
	}
	return Ptr(math.Round(m*10) / 10)
}

// Mid is the median of v, not rounded; ok is false for no values.
func Mid(v []float64) (m float64, ok bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	m = s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return m, true
}

// Ptr returns a pointer to v, for optional JSON numbers.
func Ptr(v float64) *float64 { return &v }
