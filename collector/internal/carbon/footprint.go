package carbon

import "fmt"

// Footprint is the figures used for a fleet model: a matched product's, an
// override's, or its class default's.
type Footprint struct {
	Match
	// ClassDefault is the class whose data set medians stand in ("" when a
	// product or the analyst's own figures are used).
	ClassDefault  string
	GWPTotalKg    float64
	EmbodiedShare float64
	ShareBasis    string
	EmbodiedKg    float64
	LifetimeYears float64 // the manufacturer's; 0 unknown
	Source        string
}

// Footprint resolves a fleet model of a device class to the figures used.
func (m *Matcher) Footprint(manufacturer, model, class string) Footprint {
	return m.footprintOf(m.Match(manufacturer, model), class)
}

func (m *Matcher) footprintOf(mt Match, class string) Footprint {
	key := footprintKey{mt, class}
	if f, ok := m.footprints[key]; ok {
		return f
	}
	f := m.footprint(mt, class)
	m.footprints[key] = f
	return f
}

type footprintKey struct {
	Match
	class string
}

func (m *Matcher) footprint(mt Match, class string) Footprint {
	f := Footprint{Match: mt}
	switch {
	case mt.Product != nil:
		p := mt.Product
		f.GWPTotalKg, f.EmbodiedShare, f.ShareBasis, f.LifetimeYears = p.GWPTotalKg, p.EmbodiedShare, p.ShareBasis, p.LifetimeYears
		f.Source = fmt.Sprintf("%s, %s line %d (%s %s)", m.ds.Info.Short(), m.ds.Info.File, p.Line, p.Manufacturer, p.Name)
	case mt.Override != nil && mt.Override.Own != nil:
		own := mt.Override.Own
		d := m.ds.Default(class)
		f.GWPTotalKg, f.LifetimeYears, f.Source = own.GWPTotalKg, own.LifetimeYears, own.Source
		f.EmbodiedShare, f.ShareBasis = own.EmbodiedShare, ShareOverride
		if own.EmbodiedShare == 0 {
			f.EmbodiedShare, f.ShareBasis = d.EmbodiedShare, "class_median:"+d.Class
		}
	default:
		c := class
		if mt.Override != nil && mt.Override.ClassDefault != "" {
			c = mt.Override.ClassDefault
		}
		d := m.ds.Default(c)
		f.ClassDefault = d.Class
		f.GWPTotalKg, f.EmbodiedShare, f.LifetimeYears = d.GWPTotalKg, d.EmbodiedShare, d.LifetimeYears
		f.ShareBasis = "class_median:" + d.Class
		f.Source = fmt.Sprintf("%s: median of %d %s products", m.ds.Info.Short(), d.Products, d.Class)
		f.EmbodiedKg = d.EmbodiedKg
		return f
	}
	f.EmbodiedKg = f.GWPTotalKg * f.EmbodiedShare
	return f
}
