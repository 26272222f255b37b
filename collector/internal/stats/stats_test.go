package stats

import "testing"

func TestBucketsAndMedian(t *testing.T) {
	bs := Buckets([]float64{2, 5}, []string{"<2", "2–5", "5+"})
	for _, v := range []float64{0, 1.99, 2, 4.9, 5, 100} {
		Add(bs, v)
	}
	if bs[0].Count != 2 || bs[1].Count != 2 || bs[2].Count != 2 || bs[0].From != nil || bs[2].To != nil {
		t.Errorf("buckets = %+v", bs)
	}
	if m := Median([]float64{3, 1, 2, 10}); m == nil || *m != 2.5 {
		t.Errorf("median = %v, want 2.5", m)
	}
	if Median(nil) != nil {
		t.Error("median of nothing should be nil")
	}
}
