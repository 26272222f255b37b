package lifecycle

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// Querier runs InfluxQL; *influx.Client is one.
type Querier interface {
	Query(ctx context.Context, influxql string) ([]influx.Series, error)
}

// Writer writes points; *influx.Client is one.
type Writer interface {
	Write(ctx context.Context, points []influx.Point) error
}

// Thresholds.
const (
	HealthyBatteryPct = 80.0 // a battery at or above this is fit for another round
	designChangeWh    = 0.5  // design capacities further apart than this are different batteries
	queryFloor        = "2000-01-01T00:00:00Z"
)

// Round is one installation (or department) of a piece of hardware.
type Round struct {
	N          int       `json:"round"`
	DeviceID   string    `json:"device_id"`
	Department string    `json:"department,omitempty"`
	OSInstall  time.Time `json:"-"`
	Start      time.Time `json:"-"`
	End        time.Time `json:"-"` // last report (or retirement for the last round)
}

// Hardware is one hardware serial through its whole life.
type Hardware struct {
	Serial            string
	Manufacturer      string
	Model             string
	FirstSeen         time.Time // zero: never reported
	LastSeen          time.Time
	Rounds            []Round
	DeviceIDs         []string
	BatteriesReplaced int
	BatteryHealth     *float64 // lowest current health of its batteries; nil: no battery data
	Inventory         *Item    // nil: not in the inventory
}

// Class is the device class from the inventory, else guessed from the
// model name, else "unknown".
func (h *Hardware) Class() string {
	if h.Inventory != nil && h.Inventory.Class != "" {
		return h.Inventory.Class
	}
	m := strings.ToLower(h.Model)
	switch {
	case strings.Contains(m, "chromebook"):
		return "chromebook"
	case strings.Contains(m, "ipad") || strings.Contains(m, "tablet") || strings.Contains(m, "surface go"):
		return "tablet"
	case strings.Contains(m, "thinkpad") || strings.Contains(m, "latitude") || strings.Contains(m, "probook") ||
		strings.Contains(m, "elitebook") || strings.Contains(m, "macbook") || strings.Contains(m, "travelmate") ||
		strings.Contains(m, "yoga") || strings.Contains(m, "surface laptop"):
		return "laptop"
	case strings.Contains(m, "optiplex") || strings.Contains(m, "thinkcentre") || strings.Contains(m, "prodesk") ||
		strings.Contains(m, "elitedesk") || strings.Contains(m, "imac") || strings.Contains(m, "macmini"):
		return "desktop"
	}
	return "unknown"
}

// ModelName is the inventory's model, else the reported one.
func (h *Hardware) ModelName() string {
	if h.Inventory != nil && h.Inventory.Model != "" {
		return h.Inventory.Model
	}
	if h.Model != "" {
		return h.Model
	}
	return "unknown"
}

// Retired reports whether the inventory retired the hardware, and when.
func (h *Hardware) Retired() (time.Time, bool) {
	if h.Inventory != nil && h.Inventory.Status.Retired() {
		return h.Inventory.StatusDate, true
	}
	return time.Time{}, false
}

// Born is the start of the service life: the purchase date, else the first
// report; ok is false when neither is known.
func (h *Hardware) Born() (t time.Time, fromPurchase, ok bool) {
	if h.Inventory != nil && !h.Inventory.Purchased.IsZero() {
		return h.Inventory.Purchased, true, true
	}
	if !h.FirstSeen.IsZero() {
		return h.FirstSeen, false, true
	}
	return time.Time{}, false, false
}

// segment is one device_id (and department, and OS installation) as
// device_daily saw it.
type segment struct {
	deviceID, dept, serial, manufacturer, model string
	install                                     int64
	first, last                                 time.Time
}

// Derive follows every hardware serial that reported before end, joined
// with the inventory items (which may hold serials that never reported).
// Hardware comes back sorted by serial; devicesWithoutSerial counts
// device IDs that never sent a serial (older agents) and are left out.
func Derive(ctx context.Context, q Querier, end time.Time, items []Item) (hw []*Hardware, devicesWithoutSerial int, err error) {
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT first("last_seen") AS "first_seen", last("last_seen") AS "last_seen", last("serial") AS "serial", first("os_install_time") AS "install_first", last("os_install_time") AS "install_last" FROM "device_daily" WHERE time >= '%s' AND time < %s GROUP BY "device_id", "department", "manufacturer", "model"`, queryFloor, influx.TimeLiteral(end)))
	if err != nil {
		return nil, 0, fmt.Errorf("lifecycle: devices: %w", err)
	}
	var segs []segment
	noSerial := map[string]bool{}
	for _, s := range series {
		for _, r := range s.Rows() {
			sg := segment{deviceID: s.Tags["device_id"], dept: s.Tags["department"], manufacturer: s.Tags["manufacturer"], model: s.Tags["model"],
				serial: strings.TrimSpace(r.Str("serial")), first: r.Unix("first_seen"), last: r.Unix("last_seen")}
			if sg.serial == "" {
				noSerial[sg.deviceID] = true
				continue
			}
			i1, ok1 := r.Num("install_first")
			i2, ok2 := r.Num("install_last")
			if ok1 && ok2 && i1 != i2 {
				// Re-installed under the same device ID (macOS keeps the
				// hardware UUID): split by installation.
				more, err := splitByInstall(ctx, q, sg, end)
				if err != nil {
					return nil, 0, err
				}
				segs = append(segs, more...)
				continue
			}
			if ok2 {
				sg.install = int64(i2)
			}
			segs = append(segs, sg)
		}
	}
	bySerial := map[string]*Hardware{}
	devSerial := map[string]string{}
	for _, sg := range segs {
		h := bySerial[sg.serial]
		if h == nil {
			h = &Hardware{Serial: sg.serial}
			bySerial[sg.serial] = h
		}
		devSerial[sg.deviceID] = sg.serial
		delete(noSerial, sg.deviceID)
		if h.FirstSeen.IsZero() || sg.first.Before(h.FirstSeen) {
			h.FirstSeen = sg.first
		}
		if sg.last.After(h.LastSeen) || (sg.last.Equal(h.LastSeen) && h.Model == "") {
			h.LastSeen, h.Manufacturer, h.Model = sg.last, sg.manufacturer, sg.model
		}
		h.Rounds = append(h.Rounds, Round{DeviceID: sg.deviceID, Department: sg.dept, OSInstall: unixOrZero(sg.install), Start: sg.first, End: sg.last})
	}
	inv := map[string]*Item{}
	for i := range items {
		inv[items[i].Serial] = &items[i]
		if bySerial[items[i].Serial] == nil {
			bySerial[items[i].Serial] = &Hardware{Serial: items[i].Serial}
		}
	}
	for serial, h := range bySerial {
		h.Inventory = inv[serial]
		sort.SliceStable(h.Rounds, func(i, j int) bool { return h.Rounds[i].Start.Before(h.Rounds[j].Start) })
		ids := map[string]bool{}
		var prevEnd time.Time
		for i := range h.Rounds {
			r := &h.Rounds[i]
			r.N = i + 1
			sameInstall := i > 0 && h.Rounds[i-1].DeviceID == r.DeviceID && h.Rounds[i-1].OSInstall.Equal(r.OSInstall)
			if !r.OSInstall.IsZero() && r.OSInstall.Before(r.Start) && r.OSInstall.After(prevEnd) && !sameInstall {
				r.Start = r.OSInstall // the round began when the OS was installed
			}
			prevEnd = r.End
			if !ids[r.DeviceID] {
				ids[r.DeviceID] = true
				h.DeviceIDs = append(h.DeviceIDs, r.DeviceID)
			}
		}
		if t, ok := h.Retired(); ok && len(h.Rounds) > 0 && t.After(h.Rounds[len(h.Rounds)-1].End) {
			h.Rounds[len(h.Rounds)-1].End = t
		}
	}
	if err := addBatteries(ctx, q, end, bySerial, devSerial); err != nil {
		return nil, 0, err
	}
	hw = make([]*Hardware, 0, len(bySerial))
	for _, h := range bySerial {
		hw = append(hw, h)
	}
	sort.Slice(hw, func(i, j int) bool { return hw[i].Serial < hw[j].Serial })
	return hw, len(noSerial), nil
}

func unixOrZero(v int64) time.Time {
	if v <= 0 {
		return time.Time{}
	}
	return time.Unix(v, 0).UTC()
}

// splitByInstall reads one device's daily points and cuts them where the
// OS installation time changes.
func splitByInstall(ctx context.Context, q Querier, sg segment, end time.Time) ([]segment, error) {
	cond := `"device_id" = ` + influx.StringLiteral(sg.deviceID)
	if sg.dept != "" {
		cond += ` AND "department" = ` + influx.StringLiteral(sg.dept)
	}
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT "last_seen", "os_install_time" FROM "device_daily" WHERE %s AND time >= '%s' AND time < %s`, cond, queryFloor, influx.TimeLiteral(end)))
	if err != nil {
		return nil, fmt.Errorf("lifecycle: installations of %s: %w", sg.deviceID, err)
	}
	var out []segment
	for _, s := range series {
		for _, r := range s.Rows() {
			seen := r.Unix("last_seen")
			if seen.IsZero() {
				continue
			}
			inst, _ := r.Num("os_install_time")
			if n := len(out); n > 0 && out[n-1].install == int64(inst) {
				out[n-1].last = seen
				continue
			}
			c := sg
			c.install, c.first, c.last = int64(inst), seen, seen
			out = append(out, c)
		}
	}
	return out, nil
}

type batEntry struct {
	deviceID, battery             string
	designFirst, designLast       float64
	serialFirst, serialLast       string
	health                        *float64
	first, last                   time.Time
	hasDesignFirst, hasDesignLast bool
}

// addBatteries counts battery replacements per hardware (design capacity
// or battery serial changes in one battery slot, within a device ID and
// across its rounds) and takes the current battery health.
func addBatteries(ctx context.Context, q Querier, end time.Time, bySerial map[string]*Hardware, devSerial map[string]string) error {
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT first("design_wh") AS "design_first", last("design_wh") AS "design_last", first("battery_serial") AS "serial_first", last("battery_serial") AS "serial_last", last("health_pct") AS "health", first("last_seen") AS "first_seen", last("last_seen") AS "last_seen" FROM "battery_daily" WHERE time >= '%s' AND time < %s GROUP BY "device_id", "battery"`, queryFloor, influx.TimeLiteral(end)))
	if err != nil {
		return fmt.Errorf("lifecycle: batteries: %w", err)
	}
	slots := map[string][]batEntry{} // serial + battery slot
	for _, s := range series {
		serial := devSerial[s.Tags["device_id"]]
		if serial == "" {
			continue
		}
		for _, r := range s.Rows() {
			e := batEntry{deviceID: s.Tags["device_id"], battery: s.Tags["battery"], serialFirst: r.Str("serial_first"), serialLast: r.Str("serial_last"),
				first: r.Unix("first_seen"), last: r.Unix("last_seen")}
			e.designFirst, e.hasDesignFirst = r.Num("design_first")
			e.designLast, e.hasDesignLast = r.Num("design_last")
			if v, ok := r.Num("health"); ok {
				e.health = &v
			}
			k := serial + "\x00" + e.battery
			slots[k] = append(slots[k], e)
		}
	}
	for k, list := range slots {
		h := bySerial[k[:strings.IndexByte(k, 0)]]
		sort.Slice(list, func(i, j int) bool { return list[i].first.Before(list[j].first) })
		for i, e := range list {
			if changed(e.serialFirst, e.serialLast, e.designFirst, e.designLast, e.hasDesignFirst && e.hasDesignLast) {
				h.BatteriesReplaced++
			}
			if i > 0 {
				p := list[i-1]
				if changed(p.serialLast, e.serialFirst, p.designLast, e.designFirst, p.hasDesignLast && e.hasDesignFirst) {
					h.BatteriesReplaced++
				}
			}
		}
		// Current health: the newest entry of the slot, if it belongs to
		// the hardware's newest reports.
		last := list[len(list)-1]
		if last.health != nil && !last.last.Before(h.LastSeen.AddDate(0, 0, -30)) {
			if h.BatteryHealth == nil || *last.health < *h.BatteryHealth {
				v := *last.health
				h.BatteryHealth = &v
			}
		}
	}
	return nil
}

func changed(serialA, serialB string, designA, designB float64, haveDesign bool) bool {
	if serialA != "" && serialB != "" {
		return serialA != serialB
	}
	return haveDesign && math.Abs(designA-designB) > designChangeWh
}

// LoadInventory reads the inventory measurement back: one item per serial.
func LoadInventory(ctx context.Context, q Querier) ([]Item, error) {
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT * FROM %q WHERE time = '%s' GROUP BY "serial"`, schema.Inventory, InventoryEpoch.Format(time.RFC3339)))
	if err != nil {
		return nil, fmt.Errorf("lifecycle: inventory: %w", err)
	}
	var out []Item
	for _, s := range series {
		for _, r := range s.Rows() {
			it := Item{Serial: s.Tags["serial"], Manufacturer: r.Str("manufacturer"), Model: r.Str("model"), Class: r.Str("class"),
				TCOGeneration: r.Str("tco_generation"), EPEATTier: r.Str("epeat_tier"), Status: Status(r.Str("status"))}
			if it.Serial == "" {
				continue
			}
			if t, err := time.Parse(time.DateOnly, r.Str("purchase_date")); err == nil {
				it.Purchased = t
			}
			if t, err := time.Parse(time.DateOnly, r.Str("status_date")); err == nil {
				it.StatusDate = t
			}
			if v, ok := r.Num("price"); ok {
				it.Price = &v
			}
			for name, dst := range map[string]**bool{"energy_star": &it.EnergyStar, "tco_certified": &it.TCO, "epeat": &it.EPEAT} {
				if v, ok := r.Num(name); ok {
					b := v != 0
					*dst = &b
				}
			}
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Serial < out[j].Serial })
	return out, nil
}

func yearsBetween(a, b time.Time) float64 { return b.Sub(a).Hours() / (365.2425 * 24) }

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// HardwareStory is one serial's life for people: JSON of Hardware.
type HardwareStory struct {
	Serial            string       `json:"serial"`
	Manufacturer      string       `json:"manufacturer,omitempty"`
	Model             string       `json:"model"`
	Class             string       `json:"class"`
	FirstSeen         string       `json:"first_seen,omitempty"`
	LastSeen          string       `json:"last_seen,omitempty"`
	Rounds            []RoundStory `json:"rounds"`
	DeviceIDs         []string     `json:"device_ids"`
	BatteriesReplaced int          `json:"batteries_replaced"`
	BatteryHealth     *float64     `json:"battery_health_pct"`
	InInventory       bool         `json:"in_inventory"`
	Purchased         string       `json:"purchase_date,omitempty"`
	Status            string       `json:"status,omitempty"`
	StatusDate        string       `json:"status_date,omitempty"`
}

// RoundStory is one round in HardwareStory.
type RoundStory struct {
	Round      int    `json:"round"`
	DeviceID   string `json:"device_id"`
	Department string `json:"department,omitempty"`
	OSInstall  string `json:"os_install_time,omitempty"`
	Start      string `json:"start"`
	End        string `json:"end"`
}

// Story turns derived hardware into its JSON story.
func Story(h *Hardware) HardwareStory {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	day := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	s := HardwareStory{Serial: h.Serial, Manufacturer: h.Manufacturer, Model: h.ModelName(), Class: h.Class(), FirstSeen: ts(h.FirstSeen), LastSeen: ts(h.LastSeen),
		Rounds: []RoundStory{}, DeviceIDs: append([]string{}, h.DeviceIDs...), BatteriesReplaced: h.BatteriesReplaced, BatteryHealth: h.BatteryHealth, InInventory: h.Inventory != nil}
	for _, r := range h.Rounds {
		s.Rounds = append(s.Rounds, RoundStory{Round: r.N, DeviceID: r.DeviceID, Department: r.Department, OSInstall: ts(r.OSInstall), Start: ts(r.Start), End: ts(r.End)})
	}
	if it := h.Inventory; it != nil {
		s.Purchased, s.Status, s.StatusDate = day(it.Purchased), string(it.Status), day(it.StatusDate)
	}
	return s
}
