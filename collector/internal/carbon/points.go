package carbon

import (
	"context"
	"fmt"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
)

// HardwareEpoch is the time of every carbon_hardware point: one point per
// serial, which each recompute overwrites (the inventory's convention).
var HardwareEpoch = lifecycle.InventoryEpoch

// Update recomputes the carbon measurements as of now: one carbon_hardware
// point per serial and one carbon_yearly point per year (from the first
// service year to now's) and group (fleet, class, model). A group of an
// earlier computation that has no hardware any more gets a point of zeros,
// so that every key holds the latest figures. It returns the points written.
func Update(ctx context.Context, q Querier, w lifecycle.Writer, opts Options, now time.Time) (int, error) {
	ds, err := Embedded()
	if err != nil {
		return 0, err
	}
	now = now.UTC()
	items, err := lifecycle.LoadInventory(ctx, q)
	if err != nil {
		return 0, fmt.Errorf("carbon: %w", err)
	}
	hw, _, err := lifecycle.Derive(ctx, q, now.Add(time.Second), items)
	if err != nil {
		return 0, fmt.Errorf("carbon: %w", err)
	}
	devs, _ := Assess(hw, NewMatcher(ds, opts.Overrides), opts, now)
	points := Points(ds, devs, now)
	stale, err := staleYearly(ctx, q, points, ds)
	if err != nil {
		return 0, err
	}
	points = append(points, stale...)
	if len(points) == 0 {
		return 0, nil
	}
	if err := w.Write(ctx, points); err != nil {
		return 0, fmt.Errorf("carbon: write derived points: %w", err)
	}
	return len(points), nil
}

// Points builds the carbon_hardware and carbon_yearly points of assessed
// hardware as of now.
func Points(ds *Dataset, devs []Device, now time.Time) []influx.Point {
	var out []influx.Point
	first := now.Year()
	for i := range devs {
		d := &devs[i]
		if y := d.Start.Year(); y < first {
			first = max(y, HardwareEpoch.Year())
		}
		fp := d.Footprint
		f := map[string]any{
			FieldClass:               d.Class,
			FieldModel:               d.Model,
			FieldManufacturer:        d.Manufacturer,
			FieldMatch:               string(fp.Kind),
			FieldProduct:             "",
			FieldProductManufacturer: "",
			FieldClassDefault:        fp.ClassDefault,
			FieldGWPTotalKg:          round1(fp.GWPTotalKg),
			FieldEmbodiedShare:       round3(fp.EmbodiedShare),
			FieldEmbodiedKg:          round1(fp.EmbodiedKg),
			FieldLifetimeYears:       fp.LifetimeYears,
			FieldBaselineYears:       d.BaselineYears,
			FieldServiceLifeYears:    round2(d.ServiceLifeYears()),
			FieldServiceStart:        d.Start.Unix(),
			FieldServiceEnd:          d.End.Unix(),
			FieldRetired:             b2i(d.Retired),
			FieldAvoidedKg:           0.0,
			FieldDataset:             ds.Info.Commit,
		}
		if fp.Product != nil {
			f[FieldProduct], f[FieldProductManufacturer] = fp.Product.Name, fp.Product.Manufacturer
		}
		if v, ok := d.EmbodiedKgPerYear(); ok {
			f[FieldEmbodiedKgPerYear] = round1(v)
		}
		if d.Retired {
			f[FieldAvoidedKg] = round1(d.AvoidedKg())
		}
		out = append(out, influx.Point{Measurement: MeasurementHardware, Tags: map[string]string{TagSerial: d.Serial}, Fields: f, Time: HardwareEpoch})
	}
	if len(devs) == 0 {
		return out
	}
	for _, y := range Years(devs, first, now.Year()) {
		t := time.Date(y.Year, 1, 1, 0, 0, 0, 0, time.UTC)
		out = append(out, yearlyPoint(GroupByFleet, GroupAll, t, &y.Figures, nil, ds))
		for _, c := range y.ByClass {
			out = append(out, yearlyPoint(GroupByClass, c.Class, t, &c.Figures, nil, ds))
		}
		for _, m := range y.ByModel {
			extra := map[string]any{FieldManufacturer: m.Manufacturer, FieldClass: m.Class, FieldMatch: string(m.Match), FieldProduct: "", FieldEmbodiedKgPerDevice: m.EmbodiedKgPerDevice}
			if m.Product != nil {
				extra[FieldProduct] = *m.Product
			}
			out = append(out, yearlyPoint(GroupByModel, m.Model, t, &m.Figures, extra, ds))
		}
	}
	return out
}

func yearlyPoint(groupBy, group string, t time.Time, f *Figures, extra map[string]any, ds *Dataset) influx.Point {
	fields := map[string]any{
		FieldDevices:         int64(f.Devices),
		FieldDeviceYears:     f.DeviceYears,
		FieldEmbodiedKg:      f.EmbodiedKg,
		FieldRetired:         int64(f.Retired),
		FieldAvoidedKg:       f.AvoidedKg,
		FieldAvoidedLongerKg: f.AvoidedByLongerLivesKg,
		FieldExtraShorterKg:  f.ExtraByShorterLivesKg,
		FieldDataset:         ds.Info.Commit,
	}
	if f.EmbodiedKgPerDeviceYear != nil {
		fields[FieldEmbodiedKgPerDeviceYear] = *f.EmbodiedKgPerDeviceYear
	}
	for k, v := range extra {
		fields[k] = v
	}
	return influx.Point{Measurement: MeasurementYearly, Tags: map[string]string{TagGroupBy: groupBy, TagGroup: group}, Fields: fields, Time: t}
}

// staleYearly returns zero points for carbon_yearly keys already stored
// that points no longer has (a model renamed in the inventory, a class
// changed), so that no old figure stays next to the new ones.
func staleYearly(ctx context.Context, q Querier, points []influx.Point, ds *Dataset) ([]influx.Point, error) {
	series, err := q.Query(ctx, fmt.Sprintf(`SELECT %q FROM %q WHERE time >= '%s' GROUP BY %q, %q`, FieldDevices, MeasurementYearly,
		HardwareEpoch.Format(time.RFC3339), TagGroupBy, TagGroup))
	if err != nil {
		return nil, fmt.Errorf("carbon: read stored yearly keys: %w", err)
	}
	have := map[string]bool{}
	for _, p := range points {
		if p.Measurement == MeasurementYearly {
			have[p.Tags[TagGroupBy]+"\x00"+p.Tags[TagGroup]+"\x00"+p.Time.Format(time.RFC3339)] = true
		}
	}
	var out []influx.Point
	for _, s := range series {
		for _, r := range s.Rows() {
			t, err := r.Time()
			if err != nil {
				continue
			}
			t = t.UTC()
			if have[s.Tags[TagGroupBy]+"\x00"+s.Tags[TagGroup]+"\x00"+t.Format(time.RFC3339)] {
				continue
			}
			zero := &Figures{}
			p := yearlyPoint(s.Tags[TagGroupBy], s.Tags[TagGroup], t, zero, map[string]any{FieldEmbodiedKgPerDeviceYear: 0.0}, ds)
			out = append(out, p)
		}
	}
	return out, nil
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
