package paper

import (
	"fmt"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

// print-daily column names: English as the format documents them, and the
// Swedish a hand-kept or exported sheet is likely to use. Names are
// compared after lower-casing and folding punctuation to spaces.
var (
	printDateNames = []string{"date", "day", "datum", "dag"}
	printSiteNames = []string{"site", "printer group", "location", "enhet", "plats", "skrivargrupp", "förvaltning"}
	printCounts    = []countCol{
		{FieldJobsSubmitted, []string{FieldJobsSubmitted, "submitted jobs", "jobb skickade", "skickade jobb", "inskickade jobb"}, false},
		{FieldJobsReleased, []string{FieldJobsReleased, "released jobs", "jobb utskrivna", "utskrivna jobb", "frisläppta jobb", "hämtade jobb", "jobb hämtade"}, false},
		{FieldJobsNotReleased, []string{FieldJobsNotReleased, "jobs expired", "jobb ej utskrivna", "ej utskrivna jobb", "ej hämtade jobb", "jobb ej hämtade"}, false},
		{FieldSheetsPrinted, []string{FieldSheetsPrinted, "printed sheets", "ark utskrivna", "utskrivna ark"}, true},
		{FieldSheetsNotPrint, []string{FieldSheetsNotPrint, "sheets never printed", "ark ej utskrivna", "ej utskrivna ark", "ej hämtade ark", "ark ej hämtade"}, true},
		{FieldSheetsColour, []string{FieldSheetsColour, "sheets color", "colour sheets", "color sheets", "ark färg", "färgark", "ark i färg"}, false},
		{FieldSheetsDuplex, []string{FieldSheetsDuplex, "duplex sheets", "ark dubbelsidiga", "dubbelsidiga ark"}, false},
	}
)

// printDaily reads `date,site,jobs_submitted,jobs_released,
// jobs_not_released,sheets_printed,sheets_not_printed[,sheets_colour]
// [,sheets_duplex]`: one row per day and site of any print-management
// system with a hold/release queue.
type printDaily struct {
	source           string
	now              time.Time
	dateIdx, siteIdx int
	cols             []boundCol
	recs             []Record
	seen             map[pointKey]int // (site, day) -> line
}

func (d *printDaily) tableOptions() meetings.TableOptions { return meetings.TableOptions{} }

func (d *printDaily) init(t *meetings.Table) error {
	var err error
	if d.dateIdx, err = t.Require(printDateNames...); err != nil {
		return err
	}
	if d.siteIdx, err = t.Require(printSiteNames...); err != nil {
		return err
	}
	d.cols, err = bindCounts(t, printCounts)
	return err
}

func (d *printDaily) row(t *meetings.Table) *RowError {
	day, err := meetings.ParseDay(t.Cell(d.dateIdx), d.now)
	if err != nil {
		return t.ErrAt(d.dateIdx, err.Error())
	}
	site, err := parseName(t.Cell(d.siteIdx))
	if err != nil {
		return t.ErrAt(d.siteIdx, err.Error())
	}
	fields, re := readCounts(t, d.cols, nil)
	if re != nil {
		return re
	}
	if len(fields) == 0 {
		return t.ErrRow("has no values to store (every count is empty)")
	}
	// Colour and duplex sheets are sheets printed in colour or on both
	// sides: part of sheets_printed, never more.
	if printed, ok := fields[FieldSheetsPrinted].(int64); ok {
		for _, f := range []string{FieldSheetsColour, FieldSheetsDuplex} {
			if n, ok := fields[f].(int64); ok && n > printed {
				return t.ErrAt(colOf(d.cols, f), fmt.Sprintf("is more than %s (%d) on the same row", FieldSheetsPrinted, printed))
			}
		}
	}
	k := pointKey{name: site, day: day.Unix()}
	if first, dup := d.seen[k]; dup {
		return t.ErrAt(d.dateIdx, fmt.Sprintf("%s %s is already on line %d; a day is counted once per site", day.Format(time.DateOnly), site, first))
	}
	d.seen[k] = t.Line()
	d.recs = append(d.recs, Record{Measurement: MeasurementPrinting, Tags: map[string]string{TagSite: site, TagSource: d.source}, Day: day, Fields: fields, Line: t.Line()})
	return nil
}

func (d *printDaily) finish() []Record { return d.recs }
