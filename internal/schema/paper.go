package schema

// Paper measurements: card-released printing and digital mail, from
// `import --format print-daily | papercut-printlog | mail-daily`
// (docs/paper.md). One point per day (mail: per day or month) and site
// (system); a re-import overwrites. No user, account, workstation or
// document name is ever read into a point.
const (
	Printing        = "printing"
	Mail            = "mail"
	PrintingMonthly = "printing_monthly"
	MailMonthly     = "mail_monthly"
)

func init() {
	count := func(name, doc string) Field { return Field{name, Integer, "", doc} }
	printingFields := []Field{
		count("jobs_submitted", "print-daily"),
		count("jobs_released", "print-daily"),
		count("jobs_not_released", "print-daily: jobs that expired or were deleted from the hold queue"),
		count("sheets_printed", "print-daily"),
		count("sheets_not_printed", "print-daily: the sheets of jobs_not_released"),
		count("sheets_colour", "print-daily, optional"),
		count("sheets_duplex", "print-daily, optional"),
		count("jobs_logged", "PaperCut's plain-text print log: the jobs it lists"),
		count("pages_logged", "PaperCut's print log: their pages"),
		count("pages_colour_logged", "PaperCut's print log: their colour pages"),
	}
	printingTags := []Field{
		{Name: "site", Doc: "site or printer group (PaperCut: the printer, or `--site-map`)"},
		{Name: "source", Doc: "`print-daily`, `papercut-printlog`, or `--source`"},
	}
	letters := []Field{count("letters_digital", ""), count("letters_paper", "")}
	register(
		Measurement{Name: Printing, Area: AreaPaper, Time: "00:00 UTC of the day",
			Doc:  "one point per day, site and source; fields absent when the source does not know them",
			Tags: printingTags, Fields: printingFields},
		Measurement{Name: Mail, Area: AreaPaper, Time: "00:00 UTC of the day, or of the month's first day",
			Doc:  "one point per system and day (or month)",
			Tags: []Field{{Name: "system", Doc: "the sending system"}, {Name: "period", Doc: "`day` or `month`: what one point covers"}},
			Fields: append(append([]Field(nil), letters...),
				Field{"source", String, "", "the import format, or `--source`"})},
		Measurement{Name: PrintingMonthly, Area: AreaPaper, Time: "1st of the month",
			Doc:  "derived: the month's sums of the printing fields, written after every import",
			Tags: printingTags,
			Fields: append(append([]Field(nil), printingFields...),
				count("days", "days with data in the month"))},
		Measurement{Name: MailMonthly, Area: AreaPaper, Time: "1st of the month",
			Doc:  "derived: the month's letters per system",
			Tags: []Field{{Name: "system", Doc: "the sending system"}},
			Fields: append(append([]Field(nil), letters...),
				count("days", "periods with data in the month"),
				Field{"share_digital_pct", Float, "%", "letters_digital ÷ (letters_digital + letters_paper) × 100"})},
	)
}
