// Package lifecycle follows each piece of hardware through its whole life:
// the inventory and procurement export (purchase date, price,
// certifications, status), the rounds it went through (one per OS
// installation or department), and the longevity figures that the report
// and the Lifecycle dashboard show. InfluxQL cannot join, so the joining of
// device_daily, battery_daily and inventory happens here, in Go; the result
// is written back as the derived measurements hardware and
// procurement_yearly for the dashboard. See docs/lifecycle.md.
package lifecycle

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kretslopp/kretslopp/collector/internal/influx"
	"github.com/kretslopp/kretslopp/collector/internal/meetings"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// RowError is one rejected row of an inventory file: file, line, column.
// It is the meetings import's error type, so both imports read the same.
type RowError = meetings.RowError

// InventoryEpoch is the time of every inventory point: one point per serial
// that a re-import overwrites, whatever changed in the row.
var InventoryEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Status is an inventory status.
type Status string

// Statuses, as stored. SoldForReuse and Recycled retire the hardware.
const (
	StatusInUse        Status = "in_use"
	StatusInStorage    Status = "in_storage"
	StatusReused       Status = "reused"
	StatusSoldForReuse Status = "sold_for_reuse"
	StatusRecycled     Status = "recycled"
)

// Retired reports whether the status ends the hardware's life in the
// organisation (its service life is measured up to the status date).
func (s Status) Retired() bool { return s == StatusSoldForReuse || s == StatusRecycled }

var statusNames = map[string]Status{
	"inuse": StatusInUse, "active": StatusInUse, "deployed": StatusInUse, "ibruk": StatusInUse,
	"instorage": StatusInStorage, "storage": StatusInStorage, "stock": StatusInStorage, "ilager": StatusInStorage, "lager": StatusInStorage,
	"reused": StatusReused, "reuse": StatusReused, "redeployed": StatusReused, "ateranvand": StatusReused,
	"soldforreuse": StatusSoldForReuse, "sold": StatusSoldForReuse, "sald": StatusSoldForReuse, "saldforateranvandning": StatusSoldForReuse,
	"recycled": StatusRecycled, "scrapped": StatusRecycled, "atervunnen": StatusRecycled, "skrotad": StatusRecycled,
}

// Device classes accepted in the class column.
var classes = map[string]string{
	"laptop": "laptop", "notebook": "laptop", "barbar": "laptop",
	"desktop": "desktop", "stationar": "desktop", "allinone": "desktop",
	"chromebook": "chromebook",
	"tablet":     "tablet", "surfplatta": "tablet",
	"other": "other", "ovrigt": "other",
}

// Item is one piece of hardware as the inventory knows it.
type Item struct {
	Serial        string
	Manufacturer  string
	Model         string
	Class         string    // laptop, desktop, chromebook, tablet, other; "" unknown
	Purchased     time.Time // zero: unknown
	Price         *float64
	EnergyStar    *bool
	TCO           *bool
	TCOGeneration string // "9", "" when unknown or not certified
	EPEAT         *bool
	EPEATTier     string // bronze, silver, gold, "" unknown
	Status        Status // "" unknown
	StatusDate    time.Time
	History       []StatusChange // every status row of the file, oldest first
	File          string
	Line          int
}

// StatusChange is one status with its date.
type StatusChange struct {
	Status Status
	Date   time.Time
}

// InventoryOptions adjusts DecodeInventory.
type InventoryOptions struct {
	File      string           // names the input in messages
	MaxErrors int              // bound on InventoryResult.Errors (default 100)
	Now       func() time.Time // rejects dates in the future (default time.Now)
}

// InventoryResult is what one inventory file gave.
type InventoryResult struct {
	File    string
	Items   []Item // one per serial, sorted by serial
	Rows    int
	BadRows int
	Errors  []*RowError
}

// Err returns nil when every row was accepted.
func (r *InventoryResult) Err() error { return meetings.RowErrors(r.File, r.BadRows, r.Errors) }

// column names (normalized) → canonical column.
var inventoryColumns = map[string]string{
	"serial": "serial", "serialnumber": "serial", "serialno": "serial", "serienummer": "serial",
	"manufacturer": "manufacturer", "make": "manufacturer", "vendor": "manufacturer", "tillverkare": "manufacturer",
	"model": "model", "modell": "model",
	"class": "class", "deviceclass": "class", "type": "class", "typ": "class",
	"purchasedate": "purchase_date", "purchased": "purchase_date", "inkopsdatum": "purchase_date",
	"price": "price", "pris": "price",
	"energystar": "energy_star",
	"tco":        "tco_certified", "tcocertified": "tco_certified",
	"tcogeneration": "tco_generation",
	"epeat":         "epeat", "epeattier": "epeat",
	"status":     "status",
	"statusdate": "status_date", "statusdatum": "status_date",
}

func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'å', 'ä':
			r = 'a'
		case 'ö':
			r = 'o'
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// DecodeInventory reads an inventory or procurement CSV export row by row
// and checks every row. Columns are found by header name (case, spaces and
// punctuation ignored; a few Swedish names too); only serial is required.
// A serial may appear on several rows with different status dates: that is
// its status history, and the row with the newest status date gives the
// current values (empty cells are filled from older rows).
func DecodeInventory(ctx context.Context, r io.Reader, opts InventoryOptions) (*InventoryResult, error) {
	if opts.MaxErrors <= 0 {
		opts.MaxErrors = 100
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	now := opts.Now().UTC()
	res := &InventoryResult{File: opts.File}
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &RowError{File: opts.File, Line: 1, Msg: "the file is empty; expected a header row"}
	}
	if err != nil {
		return nil, csvError(opts.File, err)
	}
	col := map[string]int{}
	names := make([]string, len(header))
	for i, h := range header {
		names[i] = strings.TrimSpace(h)
		if c, ok := inventoryColumns[normalize(h)]; ok {
			if _, dup := col[c]; !dup {
				col[c] = i
			}
		}
	}
	if _, ok := col["serial"]; !ok {
		return nil, &RowError{File: opts.File, Line: 1, Msg: "no serial column (expected a header with serial, and optionally manufacturer, model, class, purchase date, price, energy star, tco certified, tco generation, epeat, status, status date)"}
	}
	type key struct {
		serial string
		date   time.Time
	}
	seen := map[key]int{}
	rows := map[string][]Item{}
	reject := func(e *RowError) {
		res.BadRows++
		if len(res.Errors) < opts.MaxErrors {
			res.Errors = append(res.Errors, e)
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.Rows++
				reject(csvError(opts.File, err).(*RowError))
				continue
			}
			return nil, fmt.Errorf("%s: %w", opts.File, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		res.Rows++
		if len(rec) != len(header) {
			reject(&RowError{File: opts.File, Line: line, Msg: fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))})
			continue
		}
		it, rerr := parseItem(rec, col, names, opts.File, line, now, cr)
		if rerr != nil {
			reject(rerr)
			continue
		}
		k := key{it.Serial, it.StatusDate}
		if prev, dup := seen[k]; dup {
			c := col["serial"]
			reject(&RowError{File: opts.File, Line: line, Column: c + 1, Field: names[c], Value: it.Serial, Msg: fmt.Sprintf("serial already on line %d with the same status date", prev)})
			continue
		}
		seen[k] = line
		rows[it.Serial] = append(rows[it.Serial], it)
	}
	for _, list := range rows {
		res.Items = append(res.Items, mergeRows(list))
	}
	sort.Slice(res.Items, func(i, j int) bool { return res.Items[i].Serial < res.Items[j].Serial })
	return res, nil
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &RowError{File: file, Line: pe.Line, Column: pe.Column, Msg: "not valid CSV: " + pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", file, err)
}

// mergeRows folds the rows of one serial, oldest status date first: newer
// non-empty values win.
func mergeRows(list []Item) Item {
	sort.SliceStable(list, func(i, j int) bool { return list[i].StatusDate.Before(list[j].StatusDate) })
	out := list[0]
	for _, it := range list[1:] {
		if it.Manufacturer != "" {
			out.Manufacturer = it.Manufacturer
		}
		if it.Model != "" {
			out.Model = it.Model
		}
		if it.Class != "" {
			out.Class = it.Class
		}
		if !it.Purchased.IsZero() {
			out.Purchased = it.Purchased
		}
		if it.Price != nil {
			out.Price = it.Price
		}
		if it.EnergyStar != nil {
			out.EnergyStar = it.EnergyStar
		}
		if it.TCO != nil {
			out.TCO, out.TCOGeneration = it.TCO, it.TCOGeneration
		}
		if it.EPEAT != nil {
			out.EPEAT, out.EPEATTier = it.EPEAT, it.EPEATTier
		}
		if it.Status != "" {
			out.Status, out.StatusDate = it.Status, it.StatusDate
		}
		out.File, out.Line = it.File, it.Line
	}
	for _, it := range list {
		if it.Status != "" && !it.StatusDate.IsZero() {
			out.History = append(out.History, StatusChange{Status: it.Status, Date: it.StatusDate})
		}
	}
	return out
}

func parseItem(rec []string, col map[string]int, names []string, file string, line int, now time.Time, cr *csv.Reader) (Item, *RowError) {
	it := Item{File: file, Line: line}
	bad := func(c int, msg string) *RowError {
		l, _ := cr.FieldPos(c)
		return &RowError{File: file, Line: l, Column: c + 1, Field: names[c], Value: strings.TrimSpace(rec[c]), Msg: msg}
	}
	get := func(name string) (string, int, bool) {
		c, ok := col[name]
		if !ok {
			return "", -1, false
		}
		v := strings.TrimSpace(rec[c])
		return v, c, v != ""
	}
	date := func(name string) (time.Time, *RowError) {
		v, c, ok := get(name)
		if !ok {
			return time.Time{}, nil
		}
		s := v
		if len(s) > 10 && (s[10] == ' ' || s[10] == 'T') {
			s = s[:10]
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return t, bad(c, "is not a date (YYYY-MM-DD)")
		}
		if t.Year() < 1990 {
			return t, bad(c, "is before 1990")
		}
		if t.After(now) {
			return t, bad(c, "is in the future")
		}
		return t, nil
	}
	flag := func(name string) (*bool, *RowError) {
		v, c, ok := get(name)
		if !ok {
			return nil, nil
		}
		b, known := yesNo(v)
		if !known {
			return nil, bad(c, "expected yes or no")
		}
		return &b, nil
	}
	for c, cell := range rec {
		if !utf8.ValidString(cell) {
			return it, bad(c, "is not valid UTF-8 (save the export as UTF-8)")
		}
	}
	v, c, ok := get("serial")
	if !ok {
		return it, bad(c, "serial is required")
	}
	if len(v) > 64 || strings.ContainsFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return it, bad(c, "is not a serial number (at most 64 printable characters)")
	}
	it.Serial = v
	it.Manufacturer, _, _ = get("manufacturer")
	it.Model, _, _ = get("model")
	if v, c, ok := get("class"); ok {
		cl, known := classes[normalize(v)]
		if !known {
			return it, bad(c, "unknown device class (laptop, desktop, chromebook, tablet or other)")
		}
		it.Class = cl
	}
	var rerr *RowError
	if it.Purchased, rerr = date("purchase_date"); rerr != nil {
		return it, rerr
	}
	if v, c, ok := get("price"); ok {
		p, err := parsePrice(v)
		if err != nil {
			return it, bad(c, err.Error())
		}
		it.Price = &p
	}
	if it.EnergyStar, rerr = flag("energy_star"); rerr != nil {
		return it, rerr
	}
	if v, c, ok := get("tco_certified"); ok {
		b, known := yesNo(v)
		switch {
		case known:
			it.TCO = &b
		default:
			g, ok := tcoGeneration(v)
			if !ok {
				return it, bad(c, "expected yes, no or a TCO Certified generation (for example 9 or Generation 9)")
			}
			t := true
			it.TCO, it.TCOGeneration = &t, g
		}
	}
	if v, c, ok := get("tco_generation"); ok {
		g, gok := tcoGeneration(v)
		if !gok {
			return it, bad(c, "is not a TCO Certified generation (for example 9 or Generation 9)")
		}
		if it.TCO != nil && !*it.TCO {
			return it, bad(c, "a generation is given but tco certified says no")
		}
		t := true
		it.TCO, it.TCOGeneration = &t, g
	}
	if v, c, ok := get("epeat"); ok {
		b, known := yesNo(v)
		switch tier := normalize(v); {
		case known:
			it.EPEAT = &b
		case tier == "bronze" || tier == "silver" || tier == "gold":
			t := true
			it.EPEAT, it.EPEATTier = &t, tier
		default:
			return it, bad(c, "expected bronze, silver, gold, yes or no")
		}
	}
	if v, c, ok := get("status"); ok {
		st, known := statusNames[normalize(v)]
		if !known {
			return it, bad(c, "unknown status (in use, in storage, reused, sold for reuse, recycled)")
		}
		it.Status = st
	}
	if it.StatusDate, rerr = date("status_date"); rerr != nil {
		return it, rerr
	}
	if it.Status.Retired() && it.StatusDate.IsZero() {
		if c, ok := col["status_date"]; ok {
			return it, bad(c, "a retired item (sold for reuse, recycled) needs a status date")
		}
		c := col["status"]
		return it, bad(c, "a retired item (sold for reuse, recycled) needs a status date column")
	}
	if !it.StatusDate.IsZero() && !it.Purchased.IsZero() && it.StatusDate.Before(it.Purchased) {
		return it, bad(col["status_date"], "is before the purchase date")
	}
	if it.Manufacturer == "" && it.Model == "" && it.Class == "" && it.Purchased.IsZero() && it.Price == nil &&
		it.EnergyStar == nil && it.TCO == nil && it.EPEAT == nil && it.Status == "" {
		return it, &RowError{File: file, Line: line, Msg: "the row has a serial and nothing else"}
	}
	return it, nil
}

func yesNo(v string) (bool, bool) {
	switch normalize(v) {
	case "yes", "y", "true", "1", "x", "ja", "j":
		return true, true
	case "no", "n", "false", "0", "nej", "none", "":
		return false, true
	}
	return false, false
}

// tcoGeneration accepts "9", "Generation 9", "Gen 9", "TCO Certified Generation 9".
func tcoGeneration(v string) (string, bool) {
	s := normalize(v)
	for _, p := range []string{"tcocertified", "tco", "generation", "gen"} {
		s = strings.TrimPrefix(s, p)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 99 {
		return "", false
	}
	return strconv.Itoa(n), true
}

// parsePrice accepts 12345, 12345.50, "12 345,50", "12,345.50".
func parsePrice(v string) (float64, error) {
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, v)
	for _, suffix := range []string{"kr", "SEK", "sek", "EUR", ":-"} {
		s = strings.TrimSuffix(s, suffix)
	}
	if strings.Contains(s, ",") && strings.Contains(s, ".") {
		s = strings.ReplaceAll(s, ",", "")
	} else {
		s = strings.ReplaceAll(s, ",", ".")
	}
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || p < 0 || p != p || p > 1e9 {
		return 0, errors.New("is not a price (a non-negative number)")
	}
	return p, nil
}

// Points gives the inventory points of items: one inventory point per
// serial at InventoryEpoch, and one inventory_status point per serial and
// status date.
func Points(items []Item) []influx.Point {
	out := make([]influx.Point, 0, len(items)*2)
	for _, it := range items {
		f := map[string]any{"source": "inventory"}
		set := func(k, v string) {
			if v != "" {
				f[k] = v
			}
		}
		set("manufacturer", it.Manufacturer)
		set("model", it.Model)
		set("class", it.Class)
		if !it.Purchased.IsZero() {
			f["purchase_date"] = it.Purchased.Format(time.DateOnly)
			f["purchase_time"] = it.Purchased.Unix()
		}
		if it.Price != nil {
			f["price"] = *it.Price
		}
		for k, b := range map[string]*bool{"energy_star": it.EnergyStar, "tco_certified": it.TCO, "epeat": it.EPEAT} {
			if b != nil {
				f[k] = b2i(*b)
			}
		}
		set("tco_generation", it.TCOGeneration)
		set("epeat_tier", it.EPEATTier)
		set("status", string(it.Status))
		if !it.StatusDate.IsZero() {
			f["status_date"] = it.StatusDate.Format(time.DateOnly)
			f["status_time"] = it.StatusDate.Unix()
		}
		out = append(out, influx.Point{Measurement: schema.Inventory, Tags: map[string]string{"serial": it.Serial}, Fields: f, Time: InventoryEpoch})
		for _, h := range it.History {
			out = append(out, influx.Point{Measurement: schema.InventoryStatus, Tags: map[string]string{"serial": it.Serial},
				Fields: map[string]any{"status": string(h.Status)}, Time: h.Date})
		}
	}
	return out
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
