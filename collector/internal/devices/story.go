package devices

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// deviceFieldNames are the fields of the device measurement; any other
// string column of a device point is a label tag (site, department, …).
var deviceFieldNames = map[string]bool{
	"time": true, "device_id": true, "os": true, "manufacturer": true, "model": true,
	"uptime_s": true, "boot_time": true, "memory_bytes": true, "disk_bytes": true, "spool_dropped": true,
	"hostname": true, "arch": true, "os_version": true, "os_description": true, "serial": true,
	"firmware_date": true, "agent_version": true, "os_install_time": true, "last_seen": true,
	schema.TokenTag: true, // which agent token wrote it: not a label
}

// Resolve turns a device ID, hostname or hardware serial into a device
// ID. A hostname or serial used by several devices (a re-install, a
// renamed machine) resolves to the one seen last.
func Resolve(ctx context.Context, q Querier, key string) (string, error) {
	if key == "" || schema.CheckText(key, schema.MaxTextLen) != nil {
		// Nothing stored can match a key the door refuses (a control
		// character, invalid UTF-8): not found, without asking InfluxDB.
		return "", ErrNotFound
	}
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT last("last_seen") FROM "device_daily" WHERE "device_id" = %s AND time >= '%s'`, influx.StringLiteral(key), epochQueryFloor))
	if err != nil {
		return "", fmt.Errorf("resolve device %q: %w", key, err)
	}
	if len(series) > 0 && len(series[0].Values) > 0 {
		return key, nil
	}
	series, err = q.Query(ctx, fmt.Sprintf(`SELECT last("last_seen") AS "last_seen" FROM "device_daily" WHERE ("hostname" = %s OR "serial" = %s) AND time >= '%s' GROUP BY "device_id"`, influx.StringLiteral(key), influx.StringLiteral(key), epochQueryFloor))
	if err != nil {
		return "", fmt.Errorf("resolve device %q: %w", key, err)
	}
	best, bestSeen := "", -1.0
	for _, s := range series {
		for _, r := range s.Rows() {
			if v, ok := r.Num("last_seen"); ok && v > bestSeen {
				best, bestSeen = s.Tags["device_id"], v
			}
		}
	}
	if best == "" {
		return "", ErrNotFound
	}
	return best, nil
}

// Story reads everything known about one device (by ID, hostname or
// serial) as of now.
func Story(ctx context.Context, q Querier, key string, now time.Time) (*Device, error) {
	id, err := Resolve(ctx, q, key)
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT * FROM "device" WHERE "device_id" = %s AND time >= '%s' ORDER BY time DESC LIMIT 1`, influx.StringLiteral(id), epochQueryFloor))
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", id, err)
	}
	if len(series) == 0 || len(series[0].Values) == 0 {
		return nil, ErrNotFound
	}
	r := series[0].Rows()[0]
	lastSeen, err := r.Time()
	if err != nil {
		return nil, fmt.Errorf("device %s: %w", id, err)
	}
	d := &Device{
		ID: id, Hostname: r.Str("hostname"), Serial: r.Str("serial"), OS: r.Str("os"), OSVersion: r.Str("os_version"),
		Manufacturer: r.Str("manufacturer"), Model: r.Str("model"), FirmwareDate: r.Str("firmware_date"),
		AgentVersion: r.Str("agent_version"), Labels: map[string]string{}, LastSeen: lastSeen,
		UptimeS: r.NumPtr("uptime_s"), Batteries: []Battery{},
	}
	for _, c := range r.Names() {
		if s := r.Str(c); s != "" && !deviceFieldNames[c] {
			d.Labels[c] = s
		}
	}
	if d.UptimeS != nil && now.Sub(lastSeen) <= time.Hour {
		v := *d.UptimeS + now.Sub(lastSeen).Seconds()
		d.UptimeNowS = &v
	}
	if b, ok := r.Num("boot_time"); ok {
		t := unixTime(b)
		d.BootTime = &t
	}
	// First seen: the oldest daily point.
	if series, err = q.Query(ctx, fmt.Sprintf(`SELECT first("last_seen") FROM "device_daily" WHERE "device_id" = %s AND time >= '%s'`, influx.StringLiteral(id), epochQueryFloor)); err != nil {
		return nil, fmt.Errorf("device %s first seen: %w", id, err)
	}
	if len(series) > 0 && len(series[0].Values) > 0 {
		if t, err := series[0].Rows()[0].Time(); err == nil {
			d.FirstSeen = &t
		}
	}
	boots, err := bootCounts(ctx, q, now, id)
	if err != nil {
		return nil, err
	}
	d.Boots30d = boots[id]

	// Batteries: the latest point of each, then the daily trend.
	if series, err = q.Query(ctx, fmt.Sprintf(`SELECT * FROM "battery" WHERE "device_id" = %s AND time >= '%s' GROUP BY "battery" ORDER BY time DESC LIMIT 1`, influx.StringLiteral(id), epochQueryFloor)); err != nil {
		return nil, fmt.Errorf("device %s batteries: %w", id, err)
	}
	byName := map[string]*Battery{}
	for _, s := range series {
		for _, br := range s.Rows() {
			b := Battery{Name: s.Tags["battery"], HealthPct: br.NumPtr("health_pct"), CycleCount: br.IntPtr("cycle_count"),
				DesignWh: br.NumPtr("design_wh"), FullWh: br.NumPtr("full_wh")}
			if t, err := br.Time(); err == nil {
				b.LastSeen = &t
			}
			d.Batteries = append(d.Batteries, b)
		}
	}
	sort.Slice(d.Batteries, func(i, j int) bool { return d.Batteries[i].Name < d.Batteries[j].Name })
	for i := range d.Batteries {
		byName[d.Batteries[i].Name] = &d.Batteries[i]
	}
	since := now.Add(-TrendWindowDays * day)
	if series, err = q.Query(ctx, fmt.Sprintf(`SELECT "health_pct", "cycle_count" FROM "battery_daily" WHERE "device_id" = %s AND time >= %s AND time <= %s GROUP BY "battery"`, influx.StringLiteral(id), influx.TimeLiteral(since), influx.TimeLiteral(now))); err != nil {
		return nil, fmt.Errorf("device %s battery trend: %w", id, err)
	}
	for _, s := range series {
		b := byName[s.Tags["battery"]]
		if b == nil {
			continue
		}
		trend(b, s.Rows())
	}
	states := make([]BatState, 0, len(d.Batteries))
	for _, b := range d.Batteries {
		states = append(states, BatState{Name: b.Name, HealthPct: b.HealthPct, CycleCount: b.CycleCount})
	}
	d.Flags = flags(now, d.LastSeen, d.UptimeS, states)
	return d, nil
}

// trend fits health and cycles against days over the daily points.
func trend(b *Battery, rs []influx.Row) {
	var hx, hy, cx, cy []float64
	var first, last time.Time
	for _, r := range rs {
		t, err := r.Time()
		if err != nil {
			continue
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
		x := t.Sub(time.Unix(0, 0)).Hours() / 24
		if v, ok := r.Num("health_pct"); ok {
			hx, hy = append(hx, x), append(hy, v)
		}
		if v, ok := r.Num("cycle_count"); ok {
			cx, cy = append(cx, x), append(cy, v)
		}
	}
	if first.IsZero() {
		return
	}
	b.TrendDays = int(last.Sub(first).Hours()/24) + 1
	f := first.Format(time.DateOnly)
	b.TrendFrom = &f
	if b.TrendDays < minTrendSpanDays {
		return
	}
	if s, ok := slope(hx, hy); ok {
		v := round(s*90, 2)
		b.HealthPer90d = &v
	}
	if s, ok := slope(cx, cy); ok {
		v := round(s*90, 1)
		b.CyclesPer90d = &v
	}
}

// bootCounts counts boots in the 30 days before now per device (all
// devices when ids is empty).
func bootCounts(ctx context.Context, q Querier, now time.Time, ids ...string) (map[string]int, error) {
	since := now.Add(-BootWindowDays * day)
	where := ""
	if len(ids) == 1 {
		where = fmt.Sprintf(`"device_id" = %s AND `, influx.StringLiteral(ids[0]))
	}
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT DISTINCT("boot_time") FROM "device" WHERE %stime >= %s AND time <= %s AND "boot_time" >= %d GROUP BY "device_id"`,
		where, influx.TimeLiteral(since), influx.TimeLiteral(now), since.Unix()))
	if err != nil {
		return nil, fmt.Errorf("boots: %w", err)
	}
	out := map[string]int{}
	for _, s := range series {
		var bt []float64
		for _, r := range s.Rows() {
			if v, ok := r.Num("distinct"); ok {
				bt = append(bt, v)
			}
		}
		out[s.Tags["device_id"]] = countBoots(bt, since)
	}
	return out, nil
}

// List returns every device seen in the last 400 days with its latest
// state and flags, sorted by hostname; with flag set, only devices that
// carry it.
func List(ctx context.Context, q Querier, now time.Time, flag string) ([]Summary, error) {
	if flag != "" && !ValidFlag(flag) {
		return nil, fmt.Errorf("unknown flag %q", flag)
	}
	now = now.UTC()
	snaps, err := latest(ctx, q, now.Add(-ListWindowDays*day), now)
	if err != nil {
		return nil, err
	}
	boots, err := bootCounts(ctx, q, now)
	if err != nil {
		return nil, err
	}
	out := []Summary{}
	for _, s := range snaps {
		sum := Summary{ID: s.id, Hostname: s.hostname, Serial: s.serial, Model: s.model, LastSeen: s.lastSeen,
			UptimeS: s.uptime, Boots30d: boots[s.id], Batteries: s.batteries}
		sum.Flags = flags(now, s.lastSeen, s.uptime, s.batteries)
		if flag != "" && !contains(sum.Flags, flag) {
			continue
		}
		out = append(out, sum)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Hostname != out[j].Hostname {
			return out[i].Hostname < out[j].Hostname
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// snapshot is a device's latest daily values in a window.
type snapshot struct {
	id, hostname, serial, model, firmwareDate string
	lastSeen                                  time.Time
	uptime                                    *float64
	batteries                                 []BatState
}

// latest reads the last daily values of every device seen in [from, to).
func latest(ctx context.Context, q Querier, from, to time.Time) (map[string]*snapshot, error) {
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT last("last_seen") AS "last_seen", last("hostname") AS "hostname", last("serial") AS "serial", last("uptime_s") AS "uptime_s", last("firmware_date") AS "firmware_date" FROM "device_daily" WHERE time >= %s AND time < %s GROUP BY "device_id", "model"`, influx.TimeLiteral(from), influx.TimeLiteral(to)))
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	out := map[string]*snapshot{}
	for _, s := range series {
		for _, r := range s.Rows() {
			ls, ok := r.Num("last_seen")
			if !ok {
				continue
			}
			id := s.Tags["device_id"]
			if prev := out[id]; prev != nil && prev.lastSeen.After(unixTime(ls)) {
				continue // the model tag changed; keep the newest
			}
			out[id] = &snapshot{id: id, hostname: r.Str("hostname"), serial: r.Str("serial"), model: s.Tags["model"],
				firmwareDate: r.Str("firmware_date"), lastSeen: unixTime(ls), uptime: r.NumPtr("uptime_s")}
		}
	}
	series, err = q.Query(ctx, fmt.Sprintf(`SELECT last("health_pct") AS "health_pct", last("cycle_count") AS "cycle_count" FROM "battery_daily" WHERE time >= %s AND time < %s GROUP BY "device_id", "battery"`, influx.TimeLiteral(from), influx.TimeLiteral(to)))
	if err != nil {
		return nil, fmt.Errorf("batteries: %w", err)
	}
	for _, s := range series {
		snap := out[s.Tags["device_id"]]
		if snap == nil {
			continue
		}
		for _, r := range s.Rows() {
			snap.batteries = append(snap.batteries, BatState{Name: s.Tags["battery"], HealthPct: r.NumPtr("health_pct"), CycleCount: r.IntPtr("cycle_count")})
		}
	}
	for _, snap := range out {
		if snap.batteries == nil {
			snap.batteries = []BatState{}
		}
		sort.Slice(snap.batteries, func(i, j int) bool { return snap.batteries[i].Name < snap.batteries[j].Name })
	}
	return out, nil
}
