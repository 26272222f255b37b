package agentsim

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// fleetModels are typical municipal laptops: school machines bought in
// bulk, office machines, a few Macs.
var fleetModels = []struct {
	manufacturer, model, os, osVersion string
	designWh                           float64
	site                               string
}{
	{"LENOVO", "ThinkPad L13 Yoga Gen 2", "windows", "10.0.19045", 46, "rinkeby-skola"},
	{"LENOVO", "ThinkPad T14 Gen 2i", "windows", "10.0.22631", 50, "stadshuset"},
	{"HP", "HP ProBook 440 G8", "windows", "10.0.22631", 45, "vallingby-skola"},
	{"Dell Inc.", "Latitude 5420", "linux", "12", 63, "stadshuset"},
	{"Apple Inc.", "MacBookAir10,1", "darwin", "14.6", 49.9, "kulturforvaltningen"},
	{"Acer", "TravelMate B3 TMB311-31", "windows", "10.0.19045", 48, "rinkeby-skola"},
}

// FleetHistory calls yield for each report of a simulated municipal fleet
// between from and to, one report per device every step: devices of
// different ages whose batteries wear with use, that reboot now and then,
// and some that stop reporting (retired, lost, in storage). It is
// deterministic for a seed. yield returning false stops it.
func FleetHistory(seed uint64, devices int, from, to time.Time, step time.Duration, yield func(Device, time.Time) bool) {
	rng := rand.New(rand.NewPCG(seed, seed^0x5eed))
	type state struct {
		d            Device
		bought       time.Time
		lastSeen     time.Time
		cyclesPerDay float64
		wearPerCycle float64
		boot         time.Time
	}
	fleet := make([]*state, devices)
	for i := range fleet {
		m := fleetModels[rng.IntN(len(fleetModels))]
		bought := from.AddDate(-rng.IntN(6), -rng.IntN(12), 0)
		lastSeen := to
		if rng.Float64() < 0.08 {
			// Some devices go quiet: retired or lost.
			lastSeen = to.Add(-time.Duration(15+rng.IntN(300)) * 24 * time.Hour)
		}
		d := Device{
			ID:           fmt.Sprintf("%08x-demo-%04d", rng.Uint32(), i),
			Hostname:     fmt.Sprintf("%s-%04d", map[string]string{"windows": "KOMMUN-PC", "linux": "kommun-lx", "darwin": "kommun-mac"}[m.os], i),
			OS:           m.os,
			OSVersion:    m.osVersion,
			Manufacturer: m.manufacturer,
			Model:        m.model,
			Serial:       fmt.Sprintf("SN%08d", rng.IntN(1e8)),
			Site:         m.site,
			FirmwareDate: bought.AddDate(0, -2, 0).Format("2006-01-02"),
			Batteries:    []Battery{{ID: "BAT0", DesignWh: m.designWh}},
		}
		fleet[i] = &state{
			d: d, bought: bought, lastSeen: lastSeen,
			cyclesPerDay: 0.2 + rng.Float64()*0.9,
			wearPerCycle: 0.00012 + rng.Float64()*0.00018,
			boot:         from.Add(-time.Duration(rng.IntN(72)) * time.Hour),
		}
	}
	for t := from; !t.After(to); t = t.Add(step) {
		for _, s := range fleet {
			if t.After(s.lastSeen) || t.Before(s.bought) {
				continue
			}
			if rng.Float64() < 0.6 {
				// Most devices reboot between two reports; some run for weeks.
				s.boot = t.Add(-time.Duration(1+rng.IntN(10)) * time.Hour)
			}
			ageDays := t.Sub(s.bought).Hours() / 24
			cycles := int64(ageDays * s.cyclesPerDay)
			b := &s.d.Batteries[0]
			b.CycleCount = cycles
			b.FullWh = b.DesignWh * max(0.35, 1-float64(cycles)*s.wearPerCycle)
			b.Charge = 0.2 + rng.Float64()*0.8
			b.State = []string{"charging", "discharging", "full"}[rng.IntN(3)]
			s.d.BootTime = s.boot.Unix()
			s.d.UptimeS = t.Sub(s.boot).Seconds()
			ts := t.Add(time.Duration(rng.IntN(3600)) * time.Second)
			if ts.After(to) {
				ts = to
			}
			if !yield(s.d, ts) {
				return
			}
		}
	}
}
