package meetings

import (
	"maps"
	"sort"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
)

// Merge combines the records of several files into one record per point
// (measurement, tags, day), the way InfluxDB itself combines writes to the
// same point: fields are united, and where two records set the same field
// the one with the newer Report Refresh Date wins, or, on a tie, the later
// one in the list. Overlapping exports therefore give each day once, never
// added twice. The result is sorted like Decode's.
func Merge(lists ...[]Record) []Record {
	byKey := map[string]int{}
	var out []Record
	for _, list := range lists {
		for _, r := range list {
			k := r.key()
			i, ok := byKey[k]
			if !ok {
				r.Fields = maps.Clone(r.Fields)
				r.Tags = maps.Clone(r.Tags)
				byKey[k] = len(out)
				out = append(out, r)
				continue
			}
			cur := &out[i]
			if r.Refreshed.Before(cur.Refreshed) {
				// older export: only fill fields the newer one lacks
				for f, v := range r.Fields {
					if _, has := cur.Fields[f]; !has {
						cur.Fields[f] = v
					}
				}
				continue
			}
			maps.Copy(cur.Fields, r.Fields)
			cur.Refreshed, cur.File, cur.Line = r.Refreshed, r.File, r.Line
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// Point converts a record to an InfluxDB point (timestamp 00:00 UTC).
func (r Record) Point() influx.Point {
	return influx.Point{Measurement: r.Measurement, Tags: r.Tags, Fields: r.Fields, Time: r.Day}
}

// Points converts records to InfluxDB points.
func Points(recs []Record) []influx.Point {
	out := make([]influx.Point, len(recs))
	for i, r := range recs {
		out[i] = r.Point()
	}
	return out
}
