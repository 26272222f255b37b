package report

import (
	"fmt"
	"strings"
	"testing"
)

// TestThinLabels: the labels kept, centred on their slots, never touch,
// and labels offered sparsely (each January) are kept where they fit.
func TestThinLabels(t *testing.T) {
	var days []string
	for i := range 365 {
		days = append(days, fmt.Sprintf("%d jan", i%31+1))
	}
	for _, labels := range [][]string{days, monthLabels(2019, 2025, Swedish), monthLabels(2021, 2021, English), yearLabels(2000, 2030)} {
		out := thinLabels(labels)
		slot := float64(plotWidth) / float64(len(labels))
		lastRight, kept := -1e9, 0
		for i, l := range out {
			if l == "" {
				continue
			}
			kept++
			if l != labels[i] {
				t.Fatalf("label %d changed: %q", i, l)
			}
			centre, half := (float64(i)+0.5)*slot, labelWidth(l)/2
			if centre-half < lastRight {
				t.Errorf("label %q at %d overlaps the one before", l, i)
			}
			lastRight = centre + half
		}
		if kept == 0 {
			t.Errorf("no label kept of %d", len(labels))
		}
	}
	if got := strings.Join(thinLabels(monthLabels(2019, 2021, English)), ","); strings.Trim(got, ",") != "2019"+strings.Repeat(",", 12)+"2020"+strings.Repeat(",", 12)+"2021" {
		t.Errorf("each January of 2019–2021 should be kept: %s", got)
	}
}

// TestChartGaps: a period without data is a break in the line and no
// bar, never a point at 0; a real 0 is drawn.
func TestChartGaps(t *testing.T) {
	r := &MeetingsReport{From: 2020, To: 2021,
		MeetingsByYear:  []YearRow{{Platform: "teams", Year: 2021, Meetings: 30}, {Platform: "skype", Year: 2020, Meetings: 0}},
		MeetingsByMonth: []MonthRow{{Platform: "teams", Year: 2021, Month: 2, Meetings: 10}, {Platform: "teams", Year: 2021, Month: 3, Meetings: 20}, {Platform: "skype", Year: 2020, Month: 1, Meetings: 0}}}
	spec := meetingsByMonthSpec(r, English)
	skype, teams := spec.values[0], spec.values[1]
	for i, v := range teams {
		want := noData
		switch i {
		case 13:
			want = 10
		case 14:
			want = 20
		}
		if v != want {
			t.Errorf("teams month %d = %v, want %v", i, v, want)
		}
	}
	if skype[0] != 0 || !isNoData(skype[1]) {
		t.Errorf("skype: a measured 0 must stay 0 and a month without data be a gap: %v", skype[:2])
	}
	year := meetingsByYearSpec(r, English)
	if !isNoData(year.values[1][0]) || year.values[1][1] != 30 || year.values[0][0] != 0 || !isNoData(year.values[0][1]) {
		t.Errorf("yearly values %v", year.values)
	}

	// Drawn: one line segment per run of months with data.
	c, err := drawChart(chartSpec{kind: lineChart, id: "x", title: "x", labels: []string{"a", "b", "c", "d", "e", "f"}, names: []string{"s1", "s2"},
		values: [][]float64{{1, 2, noData, noData, 5, 6}, {3, 3, 3, 3, 3, 3}}}, English)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(c.SVG)
	if n := strings.Count(svg, "stroke-width:2;stroke:rgb(84,112,198);fill:none"); n != 2 {
		t.Errorf("series with a gap drawn as %d line segments, want 2", n)
	}
	if n := strings.Count(svg, "stroke-width:2;stroke:rgb(145,204,117);fill:none"); n != 1 {
		t.Errorf("series without gap drawn as %d line segments, want 1", n)
	}
}

// TestCountAxis: counts of a few things get whole-number steps, so that
// the value axis never reads 0, 0, 1, 1.
func TestCountAxis(t *testing.T) {
	c, err := histogram("h", "h", "devices", []string{"0–1", "1–2", "2–3"}, []int{1, 0, 3}, Swedish)
	if err != nil {
		t.Fatal(err)
	}
	svg := string(c.SVG)
	for _, want := range []string{">0</text>", ">1</text>", ">2</text>", ">3</text>"} {
		if strings.Count(svg, want) < 1 {
			t.Errorf("axis label %s missing", want)
		}
	}
	if strings.Contains(svg, ">0,5</text>") || strings.Contains(svg, ">1,5</text>") {
		t.Error("a count axis shows a fraction")
	}
}
