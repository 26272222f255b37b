package carbon

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

// Override is one row of the override file: a fleet model and the product
// (or class default, or own figures) to use for it.
type Override struct {
	Vendor   string // normalised manufacturer; "" any
	Model    string // as written
	key      string // compact model, or a Lenovo machine type
	mtPrefix bool   // key is a four-character Lenovo machine type

	Product      *Product // a data set product, or
	ClassDefault string   // a fleet class whose default to use, or
	Own          *OwnFigures
	Line         int
}

// OwnFigures are an analyst's figures for a model the data set lacks.
type OwnFigures struct {
	GWPTotalKg    float64
	EmbodiedShare float64 // 0: the class default's share
	LifetimeYears float64 // 0: unknown
	Source        string
}

// Overrides is a parsed override file.
type Overrides struct {
	File string
	Rows []Override
}

// Columns of the override file (header names, case and spaces ignored).
var overrideColumns = []string{"manufacturer", "model", "product", "product_manufacturer", "gwp_total_kg", "embodied_share", "lifetime_years", "source"}

// maxOverrideErrors bounds the errors listed for one file.
const maxOverrideErrors = 20

// LoadOverrides reads an override file from disk; see DecodeOverrides.
func LoadOverrides(path string, ds *Dataset) (*Overrides, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("carbon overrides: %w", err)
	}
	defer f.Close()
	return DecodeOverrides(f, path, ds)
}

// DecodeOverrides reads an override file: CSV with a header naming at
// least model and product (or gwp_total_kg); lines starting with # are
// comments. Every row is checked against the data set; every problem is
// reported as FILE:LINE:COLUMN with the column and value, all at once.
//
//	manufacturer  optional; the fleet manufacturer the row applies to
//	model         the fleet model, compared without case and punctuation;
//	              for Lenovo a four-character machine type ("20W0") covers
//	              every machine type-model starting with it
//	product       a data set product name as `carbon models` prints it, or
//	              "class:laptop" (desktop, chromebook, tablet, other) for a
//	              class default
//	product_manufacturer  optional; picks between equal names
//	gwp_total_kg, embodied_share, lifetime_years, source
//	              own figures instead of product (gwp_total_kg and source
//	              required; embodied_share 0..1 else the class median)
func DecodeOverrides(r io.Reader, file string, ds *Dataset) (*Overrides, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &meetings.RowError{File: file, Line: 1, Msg: "the file is empty; expected a header: manufacturer,model,product"}
	}
	if err != nil {
		return nil, csvRowError(file, err)
	}
	hl, _ := cr.FieldPos(0)
	col := map[string]int{}
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = strings.TrimSpace(h)
		key := strings.ReplaceAll(strings.ToLower(names[i]), " ", "_")
		known := false
		for _, c := range overrideColumns {
			if c == key {
				known = true
			}
		}
		if !known {
			return nil, &meetings.RowError{File: file, Line: hl, Column: i + 1, Value: names[i], Msg: fmt.Sprintf("unknown column; expected %s", strings.Join(overrideColumns, ", "))}
		}
		if _, dup := col[key]; dup {
			return nil, &meetings.RowError{File: file, Line: hl, Column: i + 1, Value: names[i], Msg: "column given twice"}
		}
		col[key] = i
	}
	if _, ok := col["model"]; !ok {
		return nil, &meetings.RowError{File: file, Line: hl, Msg: "no model column (expected a header: manufacturer,model,product)"}
	}
	_, hasProduct := col["product"]
	_, hasGWP := col["gwp_total_kg"]
	if !hasProduct && !hasGWP {
		return nil, &meetings.RowError{File: file, Line: hl, Msg: "no product column (or gwp_total_kg for own figures)"}
	}
	out := &Overrides{File: file}
	var errs []error
	bad := 0
	seen := map[string]int{} // vendor + key → line
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			bad++
			if len(errs) < maxOverrideErrors {
				errs = append(errs, csvRowError(file, err))
			}
			continue
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != len(header) {
			bad++
			if len(errs) < maxOverrideErrors {
				errs = append(errs, &meetings.RowError{File: file, Line: line, Msg: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header))})
			}
			continue
		}
		o, rowErrs := parseOverride(rec, col, names, file, line, cr, ds)
		if len(rowErrs) == 0 {
			k := o.Vendor + "\x00" + o.key
			if prev, dup := seen[k]; dup {
				rowErrs = append(rowErrs, &meetings.RowError{File: file, Line: line, Column: col["model"] + 1, Field: names[col["model"]], Value: o.Model,
					Msg: fmt.Sprintf("model given twice (also on line %d)", prev)})
			} else {
				seen[k] = line
			}
		}
		if len(rowErrs) > 0 {
			bad++
			for _, e := range rowErrs {
				if len(errs) < maxOverrideErrors {
					errs = append(errs, e)
				}
			}
			continue
		}
		out.Rows = append(out.Rows, o)
	}
	if bad > 0 {
		if bad > 1 {
			errs = append(errs, fmt.Errorf("%s: %d invalid rows", file, bad))
		}
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func csvRowError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line := pe.StartLine
		if line <= 0 {
			line = pe.Line
		}
		return &meetings.RowError{File: file, Line: line, Msg: "not valid CSV: " + pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", file, err)
}

func parseOverride(rec []string, col map[string]int, names []string, file string, line int, cr *csv.Reader, ds *Dataset) (Override, []error) {
	var errs []error
	cell := func(name string) (string, int) {
		i, ok := col[name]
		if !ok {
			return "", -1
		}
		return strings.TrimSpace(rec[i]), i
	}
	bad := func(i int, msg string) {
		l := line
		if fl, _ := cr.FieldPos(i); fl > 0 {
			l = fl
		}
		errs = append(errs, &meetings.RowError{File: file, Line: l, Column: i + 1, Field: names[i], Value: strings.TrimSpace(rec[i]), Msg: msg})
	}
	o := Override{Line: line}
	mfr, _ := cell("manufacturer")
	o.Vendor = vendorKey(mfr)
	model, mi := cell("model")
	o.Model = model
	switch {
	case model == "":
		bad(mi, "a model is required")
	case machineType(o.Vendor, model) != "" && len(model) == 4:
		o.key, o.mtPrefix = model, true
	default:
		o.key = compact(stripVendor(o.Vendor, model))
		if o.key == "" {
			bad(mi, "a model needs letters or digits")
		}
	}
	product, pi := cell("product")
	number := func(name string, lo, hi float64, what string) float64 {
		v, i := cell(name)
		if v == "" {
			return 0
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", "."), 64)
		if err != nil || math.IsNaN(f) || f < lo || f > hi {
			bad(i, fmt.Sprintf("expected %s", what))
			return 0
		}
		return f
	}
	gwp := number("gwp_total_kg", 1e-9, 100000, "kg CO2e over the whole life, above 0 and at most 100000")
	share := number("embodied_share", 0, 1, "a share between 0 and 1")
	life := number("lifetime_years", 0.1, 30, "years between 0.1 and 30")
	source, _ := cell("source")
	gwpText, gi := cell("gwp_total_kg")
	switch {
	case product != "" && gwpText != "":
		bad(pi, "give either a product or own figures (gwp_total_kg), not both")
	case product != "":
		if c, ok := strings.CutPrefix(strings.ToLower(product), "class:"); ok {
			c = strings.TrimSpace(c)
			if !ds.HasClass(c) {
				bad(pi, fmt.Sprintf("unknown class %q; expected one of %s", c, strings.Join(defaultClasses, ", ")))
			}
			o.ClassDefault = c
			break
		}
		pm, _ := cell("product_manufacturer")
		pv := vendorKey(pm)
		if pv == "" {
			pv = o.Vendor
		}
		found := ds.findProduct(pv, product)
		if len(found) == 0 && pm == "" && pv != "" {
			found = ds.findProduct("", product) // the fleet spelling of the manufacturer may differ
		}
		if len(found) == 0 {
			bad(pi, "no such product in the data set (see `kretslopp-collector carbon models` or the data set's name column)")
			break
		}
		if !sameProduct(ds, found) {
			bad(pi, fmt.Sprintf("%d products of different manufacturers have this name; add a product_manufacturer column", len(found)))
			break
		}
		o.Product = &ds.Products[found[0]]
	case gwpText != "":
		if gwp <= 0 {
			break // already reported
		}
		if source == "" {
			bad(gi, "own figures need a source (the manufacturer's report, an LCA, …)")
		}
		o.Own = &OwnFigures{GWPTotalKg: gwp, EmbodiedShare: share, LifetimeYears: life, Source: source}
	default:
		i := pi
		if i < 0 {
			i = gi
		}
		bad(i, "a product (or class:NAME, or gwp_total_kg with a source) is required")
	}
	return o, errs
}

// sameProduct reports whether the found rows are one product (the data set
// lists a few products twice).
func sameProduct(ds *Dataset, idx []int) bool {
	for _, i := range idx[1:] {
		if ds.Products[i].vendor != ds.Products[idx[0]].vendor {
			return false
		}
	}
	return true
}

// lookup finds the override for a fleet manufacturer and model.
func (o *Overrides) lookup(vendor, model string) *Override {
	if o == nil {
		return nil
	}
	key := compact(stripVendor(vendor, model))
	mt := machineType(vendor, model)
	var prefix *Override
	for i := range o.Rows {
		r := &o.Rows[i]
		if r.Vendor != "" && r.Vendor != vendor {
			continue
		}
		if !r.mtPrefix && r.key == key {
			return r
		}
		if r.mtPrefix && mt != "" && strings.EqualFold(r.key, mt) && prefix == nil {
			prefix = r
		}
	}
	return prefix
}
