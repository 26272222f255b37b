package paper

import (
	"errors"
	"fmt"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

var (
	mailDateNames   = []string{"date", "day", "month", "period", "datum", "dag", "månad"}
	mailSystemNames = []string{"system", "sending system", "source system", "verksamhetssystem", "avsändande system"}
	mailCounts      = []countCol{
		{FieldLettersDigital, []string{FieldLettersDigital, "digital letters", "digital", "brev digitalt", "digitala brev", "digital post"}, true},
		{FieldLettersPaper, []string{FieldLettersPaper, "paper letters", "paper", "brev papper", "pappersbrev", "brev på papper"}, true},
	}
	mailRequired = map[string]bool{FieldLettersDigital: true, FieldLettersPaper: true}
)

// mailDaily reads `date,system,letters_digital,letters_paper`, where the
// date is a day (YYYY-MM-DD) or a whole month (YYYY-MM): letters one
// sending system (case management, invoicing, …) sent to a digital
// mailbox, and on paper.
type mailDaily struct {
	source             string
	now                time.Time
	dateIdx, systemIdx int
	cols               []boundCol
	recs               []Record
	seen               map[pointKey]int // (system, period, day) -> line
	months             map[pointKey]int // (system, month) given as a month -> line
	dayMonths          map[pointKey]int // (system, month) with day rows -> first line
}

func (d *mailDaily) tableOptions() meetings.TableOptions { return meetings.TableOptions{} }

func (d *mailDaily) init(t *meetings.Table) error {
	var err error
	if d.dateIdx, err = t.Require(mailDateNames...); err != nil {
		return err
	}
	if d.systemIdx, err = t.Require(mailSystemNames...); err != nil {
		return err
	}
	d.cols, err = bindCounts(t, mailCounts)
	return err
}

// parseDayOrMonth reads YYYY-MM-DD (a day) or YYYY-MM (a month, returned
// as its first day).
func parseDayOrMonth(s string, now time.Time) (time.Time, string, error) {
	if len(s) == 7 && s[4] == '-' {
		m, err := time.Parse("2006-01", s)
		if err != nil {
			return time.Time{}, "", errors.New("is not a month (expected YYYY-MM) or a date (YYYY-MM-DD)")
		}
		if m.Before(meetings.Earliest()) {
			return time.Time{}, "", errors.New("is before 2000-01")
		}
		if m.After(now) {
			return time.Time{}, "", errors.New("is in the future")
		}
		return m, PeriodMonth, nil
	}
	day, err := meetings.ParseDay(s, now)
	if err != nil {
		if errors.Is(err, meetings.ErrEmpty) {
			return time.Time{}, "", err
		}
		return time.Time{}, "", fmt.Errorf("%w; a month is written YYYY-MM", err)
	}
	return day, PeriodDay, nil
}

func (d *mailDaily) row(t *meetings.Table) *RowError {
	day, period, err := parseDayOrMonth(t.Cell(d.dateIdx), d.now)
	if err != nil {
		return t.ErrAt(d.dateIdx, err.Error())
	}
	system, err := parseName(t.Cell(d.systemIdx))
	if err != nil {
		return t.ErrAt(d.systemIdx, err.Error())
	}
	fields, re := readCounts(t, d.cols, mailRequired)
	if re != nil {
		return re
	}
	month := time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC)
	mk := pointKey{name: system, day: month.Unix()}
	k := pointKey{name: system, sub: period, day: day.Unix()}
	if first, dup := d.seen[k]; dup {
		return t.ErrAt(d.dateIdx, fmt.Sprintf("%s of %s is already on line %d", t.Cell(d.dateIdx), system, first))
	}
	// A month row stands for the whole month: days of the same month in
	// the same file would count its letters twice.
	if period == PeriodMonth {
		if l, ok := d.dayMonths[mk]; ok {
			return t.ErrAt(d.dateIdx, fmt.Sprintf("%s of %s also has daily rows (line %d); give a month either as one row or as days", month.Format("2006-01"), system, l))
		}
		d.months[mk] = t.Line()
	} else {
		if l, ok := d.months[mk]; ok {
			return t.ErrAt(d.dateIdx, fmt.Sprintf("%s of %s is already given as a whole month on line %d", month.Format("2006-01"), system, l))
		}
		if _, ok := d.dayMonths[mk]; !ok {
			d.dayMonths[mk] = t.Line()
		}
	}
	d.seen[k] = t.Line()
	fields[FieldSource] = d.source
	d.recs = append(d.recs, Record{Measurement: MeasurementMail, Tags: map[string]string{TagSystem: system, TagPeriod: period}, Day: day, Fields: fields, Line: t.Line()})
	return nil
}

func (d *mailDaily) finish() []Record { return d.recs }
