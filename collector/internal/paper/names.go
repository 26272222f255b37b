package paper

import "github.com/kretslopp/kretslopp/internal/schema"

// Every measurement, tag and field name this package writes or reads, in
// one place; internal/schema declares the measurements with their types
// (docs/schema.md is generated from there).
const (
	// MeasurementPrinting is one point per UTC day, site and source.
	MeasurementPrinting = schema.Printing
	// MeasurementMail is one point per system and day (or month).
	MeasurementMail = schema.Mail
	// MeasurementPrintingMonthly and MeasurementMailMonthly are the
	// calendar-month rollups written after every import (InfluxQL cannot
	// group by calendar month).
	MeasurementPrintingMonthly = schema.PrintingMonthly
	MeasurementMailMonthly     = schema.MailMonthly

	TagSite   = "site"   // printing: site or printer group (PaperCut: the printer, or --site-map)
	TagSource = "source" // printing: the format (or --source) that wrote the point
	TagSystem = "system" // mail: the sending system
	TagPeriod = "period" // mail: "day" or "month", what one point covers

	PeriodDay   = "day"
	PeriodMonth = "month"

	// printing, from print-daily (any print-management system)
	FieldJobsSubmitted   = "jobs_submitted"
	FieldJobsReleased    = "jobs_released"
	FieldJobsNotReleased = "jobs_not_released" // expired or deleted from the hold queue
	FieldSheetsPrinted   = "sheets_printed"
	FieldSheetsNotPrint  = "sheets_not_printed" // the sheets of jobs_not_released
	FieldSheetsColour    = "sheets_colour"
	FieldSheetsDuplex    = "sheets_duplex"
	// printing, from PaperCut's plain-text print log (what the log lists;
	// see docs/paper.md for what it cannot tell)
	FieldJobsLogged        = "jobs_logged"
	FieldPagesLogged       = "pages_logged"
	FieldPagesColourLogged = "pages_colour_logged"

	// mail
	FieldLettersDigital = "letters_digital"
	FieldLettersPaper   = "letters_paper"
	FieldSource         = "source" // mail: the format (or --source), a string field

	// rollups
	FieldDays            = "days"              // days (mail: periods) with data in the month
	FieldShareDigitalPct = "share_digital_pct" // mail_monthly
)
