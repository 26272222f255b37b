package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// notCollectedShare is the share of sheets never collected, in per cent,
// as a ratio of sums (never a mean of daily or per-site shares).
const notCollectedShare = `sum("sheets_not_printed") / (sum("sheets_not_printed") + sum("sheets_printed")) * 100`

// digitalShare is the share of letters sent digitally, a ratio of sums.
const digitalShare = `sum("letters_digital") / (sum("letters_digital") + sum("letters_paper")) * 100`

// Paper is the dashboard of the policy's two paper results: sheets never
// collected at card-released printers (activity 6) and letters sent to
// digital mailboxes instead of on paper (activity 7). It reads printing
// and mail as `import --format print-daily | papercut-printlog |
// mail-daily` writes them, and their monthly rollups printing_monthly and
// mail_monthly (docs/paper.md). Rollup points sit on the 1st of each
// month, so panels per month group by time(1d): one bucket per point,
// starting on the month's first day.
func Paper() (dashboard.Dashboard, error) {
	b := newBoard("kretslopp-paper", "Kretslopp · Paper",
		"How much paper did the policy save? Sheets never collected at card-released printers (jobs that expired or were deleted from the hold queue, so never printed) per month and site, and the share of letters sent to digital mailboxes instead of on paper, per system. Sources: kretslopp-collector import --format print-daily, papercut-printlog and mail-daily (docs/paper.md).",
		"now-2y", "paper", "policy")

	b.row("Printing never collected")
	b.add(single("Sheets never collected",
		"printing.sheets_not_printed summed over the time range and every site: the sheets of jobs sent to a card-released printer and never collected (print-daily; PaperCut's plain-text log cannot tell, see docs/paper.md).",
		"short", size{6, 8}, nil,
		Query("A", TimeSeries, `SELECT sum("sheets_not_printed") AS "sheets never collected" FROM "printing" WHERE $timeFilter`)))
	b.add(single("Share of sheets never collected",
		"Sheets never collected ÷ (never collected + printed) × 100 over the time range (printing), a ratio of the sums, so a big site weighs as much as its paper.",
		"percent", size{6, 8}, nil,
		Query("A", TimeSeries, `SELECT `+notCollectedShare+` AS "never collected" FROM "printing" WHERE $timeFilter`)))
	b.add(bars("Sheets never collected by site",
		"printing.sheets_not_printed summed over the time range, per site (or printer group).",
		"short", size{12, 8},
		Query("A", TimeSeries, `SELECT sum("sheets_not_printed") AS "sheets never collected" FROM "printing" WHERE $timeFilter GROUP BY "site"`).Alias("$tag_site")))
	perSite := series("Sheets never collected per month and site",
		"printing_monthly.sheets_not_printed (the month's sum, on its first day), stacked by site: the bars' height is all sites together. A month without data has no bar.",
		"short", full, "", true,
		Query("A", TimeSeries, `SELECT sum("sheets_not_printed") AS "sheets never collected" FROM "printing_monthly" WHERE $timeFilter GROUP BY time(1d), "site" fill(none)`).Alias("$tag_site"))
	perSite.Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal))
	b.add(perSite)
	b.add(series("Sheets printed and never collected per month",
		"printing_monthly, all sites: sheets printed and sheets never collected per month.",
		"short", half, "", true,
		Query("A", TimeSeries, `SELECT sum("sheets_printed") AS "printed", sum("sheets_not_printed") AS "never collected" FROM "printing_monthly" WHERE $timeFilter GROUP BY time(1d) fill(none)`)))
	b.add(series("Share never collected per month",
		"Sheets never collected ÷ (never collected + printed) × 100 per month, all sites (printing_monthly, a ratio of the sums).",
		"percent", half, "", false,
		Query("A", TimeSeries, `SELECT `+notCollectedShare+` AS "never collected" FROM "printing_monthly" WHERE $timeFilter GROUP BY time(1d) fill(none)`)).
		ShowPoints(common.VisibilityModeAlways))

	b.row("Digital mail")
	b.add(single("Letters sent digitally",
		"Letters to digital mailboxes ÷ all letters × 100, over the months whose first day is in the time range and every system (mail_monthly, a ratio of the sums).",
		"percent", size{6, 8}, nil,
		Query("A", TimeSeries, `SELECT `+digitalShare+` AS "digital" FROM "mail_monthly" WHERE $timeFilter`)))
	b.add(single("Systems connected",
		"Systems that sent at least one letter to a digital mailbox in the time range (mail_monthly.letters_digital summed per system).",
		"short", size{6, 8}, nil,
		Query("A", TimeSeries, `SELECT count("digital") AS "systems" FROM (SELECT sum("letters_digital") AS "digital" FROM "mail_monthly" WHERE $timeFilter GROUP BY "system") WHERE "digital" > 0`)))
	b.add(tabular("Letters per system",
		"Letters to digital mailboxes and on paper per system over the time range, and the share sent digitally (a ratio of the sums).",
		size{12, 8},
		[]dashboard.DataTransformerConfig{{Id: "organize", Options: map[string]any{"excludeByName": map[string]any{"Time": true}}}},
		Query("A", Table, `SELECT sum("letters_digital") AS "digital", sum("letters_paper") AS "paper", `+digitalShare+` AS "digital %" FROM "mail_monthly" WHERE $timeFilter GROUP BY "system"`)))
	b.add(series("Share of letters sent digitally per system",
		"mail_monthly.share_digital_pct: letters_digital ÷ (letters_digital + letters_paper) × 100 per system and month (on its first day).",
		"percent", half, "", false,
		Query("A", TimeSeries, `SELECT "share_digital_pct" FROM "mail_monthly" WHERE $timeFilter GROUP BY "system"`).Alias("$tag_system")).
		ShowPoints(common.VisibilityModeAlways))
	b.add(series("Systems connected per month",
		"Systems with at least one letter to a digital mailbox in the month (mail_monthly.letters_digital > 0).",
		"short", half, "", true,
		Query("A", TimeSeries, `SELECT count("letters_digital") AS "systems connected" FROM "mail_monthly" WHERE "letters_digital" > 0 AND $timeFilter GROUP BY time(1d) fill(none)`)))
	return b.build()
}
