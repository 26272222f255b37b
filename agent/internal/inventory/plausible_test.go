package inventory

import "testing"

func TestFinishWithholdsImplausibleReadings(t *testing.T) {
	tests := []struct {
		name string
		in   Battery
		want Battery
	}{
		// The ThinkPad of issue 16: the embedded controller returned an
		// energy_full 47 times the design.
		{"health far above 150", Battery{DesignWh: f(50), FullWh: f(2362.16), ChargePct: f(72), CycleCount: i(212)},
			Battery{ChargePct: f(72), CycleCount: i(212), State: "unknown",
				Implausible: []string{"health_pct 4724.32 outside 10–150 (full_wh 2362.16, design_wh 50)"}}},
		{"health below 10", Battery{DesignWh: f(50), FullWh: f(4.5)},
			Battery{State: "unknown", Implausible: []string{"health_pct 9 outside 10–150 (full_wh 4.5, design_wh 50)"}}},
		{"health 150 is plausible", Battery{DesignWh: f(40), FullWh: f(60)},
			Battery{DesignWh: f(40), FullWh: f(60), HealthPct: f(150), State: "unknown"}},
		{"health 10 is plausible", Battery{DesignWh: f(40), FullWh: f(4)},
			Battery{DesignWh: f(40), FullWh: f(4), HealthPct: f(10), State: "unknown"}},
		{"cycle count 65535", Battery{CycleCount: i(65535), DesignWh: f(50), FullWh: f(45)},
			Battery{DesignWh: f(50), FullWh: f(45), HealthPct: f(90), State: "unknown",
				Implausible: []string{"cycle_count 65535 above 10000"}}},
		{"cycle count 10000 is plausible", Battery{CycleCount: i(10000)}, Battery{CycleCount: i(10000), State: "unknown"}},
		{"design 0 and full negative", Battery{DesignWh: f(0), FullWh: f(-1), State: "full"},
			Battery{State: "full", Implausible: []string{"design_wh 0 is not positive", "full_wh -1 is not positive"}}},
		{"full 0 next to a design", Battery{DesignWh: f(50), FullWh: f(0)},
			Battery{DesignWh: f(50), State: "unknown", Implausible: []string{"full_wh 0 is not positive"}}},
		// A health the parser derived from finer units is checked too.
		{"preset health", Battery{HealthPct: f(212.5)},
			Battery{State: "unknown", Implausible: []string{"health_pct 212.5 outside 10–150"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.in
			finish(&b)
			if g, w := batJSON(t, []Battery{b}), batJSON(t, []Battery{tt.want}); g != w {
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}
