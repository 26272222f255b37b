package report_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/collector/internal/report"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

const nb = "\u00a0"

func buildPolicy(t *testing.T, db *influxtest.DB, from, to int) *report.Policy {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := report.BuildPolicy(ctx, db.Client(t), from, to, report.Options{PlannedLifeYears: 5, Now: func() time.Time { return reportNow }})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// policyJSON is the part of the JSON the tests read, as a machine would.
type policyJSON struct {
	Template string `json:"template"`
	Year     int    `json:"year"`
	Previous int    `json:"previous_year"`
	Reuse    struct {
		Measurements []string         `json:"measurements"`
		Years        []map[string]any `json:"years"`
	} `json:"reuse"`
	Procurement struct {
		Years []map[string]any `json:"years"`
	} `json:"procurement"`
	Social struct {
		Measured *bool  `json:"measured"`
		Note     string `json:"note"`
	} `json:"social"`
	Longevity struct {
		Years []struct {
			Year               int              `json:"year"`
			Retired            *int             `json:"retired"`
			Median             *float64         `json:"median_service_life_years"`
			ByClass            []map[string]any `json:"service_life_by_class"`
			ByAge              []map[string]any `json:"battery_health_by_age"`
			HardwareWithBatter int              `json:"hardware_with_battery"`
		} `json:"years"`
	} `json:"longevity"`
	Meetings struct {
		ByYear []map[string]any `json:"by_year"`
	} `json:"meetings"`
	Printing struct {
		Measurement string `json:"measurement"`
		Years       []struct {
			Year             int      `json:"year"`
			Days             int      `json:"days"`
			SheetsNotPrinted *int64   `json:"sheets_not_printed"`
			SheetsPrinted    *int64   `json:"sheets_printed"`
			ChangePct        *float64 `json:"sheets_not_printed_change_pct"`
			PagesLogged      *int64   `json:"pages_logged"`
		} `json:"years"`
		BySite []map[string]any `json:"by_site"`
	} `json:"printing"`
	Mail struct {
		Years []struct {
			Year             int      `json:"year"`
			ShareDigitalPct  *float64 `json:"share_digital_pct"`
			SystemsConnected int      `json:"systems_connected"`
			Systems          int      `json:"systems"`
		} `json:"years"`
		BySystem []map[string]any `json:"by_system"`
	} `json:"mail"`
}

func decodePolicy(t *testing.T, p *report.Policy) policyJSON {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WritePolicyJSON(&buf, p); err != nil {
		t.Fatal(err)
	}
	var got policyJSON
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &keys); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"reuse", "procurement", "social", "longevity", "meetings", "printing", "mail"} {
		if len(keys[k]) == 0 || string(keys[k]) == "null" {
			t.Errorf("JSON has no %q section", k)
		}
	}
	return got
}

func TestPolicyReport(t *testing.T) {
	db := fixtureDB(t)
	p := buildPolicy(t, db, 2020, 2021)
	got := decodePolicy(t, p)
	if got.Template != "policy" || got.Year != 2021 || got.Previous != 2020 {
		t.Errorf("header %+v", got)
	}
	// 1: three serials reported in 2021; OLD-0002 sold for reuse in 2021
	// after 4.5 years, OLD-0001 recycled in 2020 after 6.0 years.
	r20, r21 := got.Reuse.Years[0], got.Reuse.Years[1]
	// 2020: no serial reported, so the round figures are null, not 0.
	if r21["hardware"] != 3.0 || r21["in_second_round"] != 0.0 || r21["retired_sold_for_reuse"] != 1.0 || r21["retired_recycled"] != 0.0 || r21["median_service_life_years"] != 4.5 ||
		r20["retired_recycled"] != 1.0 || r20["median_service_life_years"] != 6.0 || r20["hardware"] != 0.0 || r20["in_second_round"] != nil {
		t.Errorf("reuse %v", got.Reuse.Years)
	}
	// 2: one purchase in 2021 (SPARE-001), none in 2020.
	if len(got.Procurement.Years) != 1 || got.Procurement.Years[0]["year"] != 2021.0 || got.Procurement.Years[0]["tco_certified_pct"] != 100.0 {
		t.Errorf("procurement %v", got.Procurement.Years)
	}
	if got.Social.Measured == nil || *got.Social.Measured || got.Social.Note == "" {
		t.Errorf("social %+v", got.Social)
	}
	l21 := got.Longevity.Years[1]
	sum := 0.0
	for _, b := range l21.ByAge {
		sum += b["hardware"].(float64)
	}
	if l21.Retired == nil || *l21.Retired != 1 || l21.Median == nil || *l21.Median != 4.5 || len(l21.ByClass) != 1 || l21.HardwareWithBatter != 2 || sum != 2 {
		t.Errorf("longevity 2021 %+v", l21)
	}
	// 6: per-year figures for machines; 2019 is outside the report.
	py := got.Printing.Years
	if got.Printing.Measurement != "printing" || len(py) != 2 || py[0].Year != 2020 || *py[0].SheetsNotPrinted != 3000 || *py[1].SheetsNotPrinted != 6815 ||
		*py[1].ChangePct != 127.2 || *py[1].PagesLogged != 59 || py[0].PagesLogged != nil || len(got.Printing.BySite) == 0 {
		t.Errorf("printing %+v", py)
	}
	my := got.Mail.Years
	if len(my) != 2 || *my[0].ShareDigitalPct != 8.8 || *my[1].ShareDigitalPct != 34.4 || my[1].SystemsConnected != 1 || my[1].Systems != 2 {
		t.Errorf("mail %+v", my)
	}

	// Markdown: every section, in order, with figures that name their
	// measurement.
	for _, lang := range []report.Lang{report.Swedish, report.English} {
		var md bytes.Buffer
		if err := report.WritePolicyMarkdown(&md, p, lang); err != nil {
			t.Fatal(err)
		}
		text := md.String()
		headings := map[report.Lang][]string{
			report.Swedish: {"## 1. Miljöriktig återanvändning", "## 2. Miljökrav i varje upphandling", "## 3. Krav på socialt ansvar", "## 4. Förlängd livslängd",
				"## 5. Videomöten i stället för resor", "## 6. Kortsystem för alla större skrivare", "## 7. Mina meddelanden – digital post"},
			report.English: {"## 1. Environmentally sound reuse", "## 2. Environmental requirements", "## 3. Social-responsibility requirements", "## 4. Longer life",
				"## 5. Video meetings instead of travel", "## 6. Card release on all larger printers", "## 7. Digital mail (Mina meddelanden)"},
		}[lang]
		last := -1
		for _, h := range headings {
			i := strings.Index(text, h)
			if i < 0 || i < last {
				t.Errorf("%s: heading %q missing or out of order", lang, h)
			}
			last = i
		}
		want := map[report.Lang][]string{
			report.Swedish: {
				"| Avvecklade under året: sålda för återbruk | 1 | 0 | – | `inventory.status = sold_for_reuse` |",
				"| Hårdvara (serienummer) som rapporterat under året | 3 | – | – | `device_daily.serial` |",
				"| Datorer med batteridata | 2 | – | – | `battery_daily.health_pct` |",
				"| Medianlivslängd för avvecklade (år) | 4,5 | 6,0 | −1,5 år | `inventory.purchase_date, inventory.status_date` |",
				"| Andel av årets inköp med TCO Certified | 100,0" + nb + "% | – | – | `inventory.tco_certified` |",
				"> Mäts inte av Kretslopp: kraven följs upp i varje upphandling, inte i mätdata.",
				"| Möten i Microsoft Teams | 44" + nb + "800 | 39" + nb + "150 | +14,4" + nb + "% | `meetings.meetings (platform=teams)` |",
				"| Ark som aldrig hämtades (aldrig skrevs ut) | 6" + nb + "815 | 3" + nb + "000 | +127,2" + nb + "% | `printing.sheets_not_printed` |",
				"| Sidor i PaperCuts utskriftslogg | 59 | – | – | `printing.pages_logged (source=papercut-printlog)` |",
				"| Andel brev som skickades digitalt | 34,4" + nb + "% | 8,8" + nb + "% | +25,6 procentenheter | `mail.letters_digital, mail.letters_paper` |",
				"| Anslutna system (minst ett digitalt brev) | 1 | 1 | 0,0" + nb + "% | `mail.letters_digital (system)` |",
				"| Försörjningsstöd | 2021 | 3 | 1" + nb + "986 | 3" + nb + "765 | 34,5" + nb + "% |",
			},
			report.English: {
				"| Sheets never collected (never printed) | 6,815 | 3,000 | +127.2% | `printing.sheets_not_printed` |",
				"| Share of letters sent digitally | 34.4% | 8.8% | +25.6 points | `mail.letters_digital, mail.letters_paper` |",
				"> Not measured by Kretslopp: the requirements are followed up in each procurement, not in measured data.",
			},
		}[lang]
		for _, s := range want {
			if !strings.Contains(text, s) {
				t.Errorf("%s markdown lacks %q", lang, s)
			}
		}
		if t.Failed() {
			t.Logf("markdown:\n%s", text)
		}
	}
}

// TestPolicyWithoutData: a section without data says so; no figure of 0
// stands in for a figure nobody measured.
func TestPolicyWithoutData(t *testing.T) {
	db := influxtest.NewDatabase(t)
	p := buildPolicy(t, db, 2021, 2021)
	got := decodePolicy(t, p)
	if len(got.Printing.Years) != 2 || got.Printing.Years[1].Days != 0 || got.Printing.Years[1].SheetsNotPrinted != nil || got.Printing.Years[1].SheetsPrinted != nil {
		t.Errorf("printing without data %+v", got.Printing.Years)
	}
	if len(got.Mail.Years) != 2 || got.Mail.Years[1].ShareDigitalPct != nil {
		t.Errorf("mail without data %+v", got.Mail.Years)
	}
	var md bytes.Buffer
	if err := report.WritePolicyMarkdown(&md, p, report.Swedish); err != nil {
		t.Fatal(err)
	}
	text := md.String()
	for _, s := range []string{"> Inga data: ingen dator har rapporterat serienummer", "> Inga data: inget inventarium med inköpsdatum", "> Mäts inte av Kretslopp",
		"> Inga data: ingen dator har rapporterat batterier", "> Inga mötesdata för perioden.", "> Inga utskriftsdata är importerade", "> Inga data om digital post är importerade"} {
		if !strings.Contains(text, s) {
			t.Errorf("markdown lacks %q", s)
		}
	}
	if strings.Contains(text, "| Mått |") || strings.Contains(text, "| 0 |") {
		t.Errorf("a section without data shows figures:\n%s", text)
	}
}

// TestPolicyHTMLInChromium opens the results document in both languages
// in headless Chromium: seven sections in the policy's order, every chart
// drawn with no overlapping labels, no network, no console errors; and a
// document without data, where every section but the meetings says so.
func TestPolicyHTMLInChromium(t *testing.T) {
	testkit.Tool(t, "chromium", "chromium-browser") // fail early, before the fixture, when Chromium is missing
	db := fixtureDB(t)
	p := buildPolicyWith(t, db, 2019, 2021, fixtureCarbon(t, true))
	wantSections := []string{"reuse", "procurement", "social", "longevity", "meetings", "printing", "mail"}
	for _, lang := range []report.Lang{report.Swedish, report.English} {
		t.Run(string(lang), func(t *testing.T) {
			var page bytes.Buffer
			if err := report.WritePolicyHTML(&page, p, lang); err != nil {
				t.Fatal(err)
			}
			selfContained(t, page.String())
			info := openInChromium(t, page.Bytes(), "policy-"+string(lang))
			if strings.Join(info.Sections, ",") != strings.Join(wantSections, ",") {
				t.Errorf("sections %v", info.Sections)
			}
			if strings.Join(info.NoData, ",") != "social" {
				t.Errorf("sections saying they have no data: %v", info.NoData)
			}
			checkCharts(t, info, []string{"certifications", "battery-health-by-age", "co2-per-device-year", "co2-retired", "meetings-by-year",
				"printing-not-printed-by-year", "printing-not-printed-by-month", "mail-share-by-system"})
			// The CO2e is a part of activity 4, the travel estimate a box in
			// activity 5.
			if strings.Join(info.Parts, ",") != "longevity/carbon" || strings.Join(info.Estimates, ",") != "travel in meetings" {
				t.Errorf("parts %v, estimate boxes %v", info.Parts, info.Estimates)
			}
		})
	}
	t.Run("without-data", func(t *testing.T) {
		empty := buildPolicy(t, influxtest.NewDatabase(t), 2020, 2021)
		var page bytes.Buffer
		if err := report.WritePolicyHTML(&page, empty, report.English); err != nil {
			t.Fatal(err)
		}
		info := openInChromium(t, page.Bytes(), "policy-empty")
		if strings.Join(info.NoData, ",") != "reuse,procurement,social,longevity,carbon,meetings,printing,mail" || len(info.Charts) != 0 || len(info.Estimates) != 0 {
			t.Errorf("no-data sections %v, charts %d, estimates %v", info.NoData, len(info.Charts), info.Estimates)
		}
	})
}
