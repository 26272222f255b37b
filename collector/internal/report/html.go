package report

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	texttemplate "text/template"

	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/collector/internal/safetext"
)

// view is what the HTML and Markdown templates see: the report with every
// number already formatted for the language.
type view struct {
	Lang      Lang
	Title     string
	Generated string
	Y         *Yearly
	Charts    map[string]Chart
	ChartList []Chart
	// MinutesCharts are the meeting-time charts: one per platform that
	// reports time by modality, and one of total meeting minutes.
	MinutesCharts []Chart
	Highlight     []string
	Carbon        *carbonView
}

func newView(y *Yearly, lang Lang, withCharts bool) (*view, error) {
	v := &view{Lang: lang, Y: y, Title: fmt.Sprintf(lang.T("title"), y.From, y.To), Generated: y.GeneratedAt.UTC().Format("2006-01-02 15:04 UTC"), Charts: map[string]Chart{}}
	var err error
	if v.Carbon, err = newCarbonView(y.Carbon, y.From, y.To, lang, withCharts); err != nil {
		return nil, err
	}
	if withCharts {
		cs, err := y.Charts(lang)
		if err != nil {
			return nil, err
		}
		v.ChartList = cs
		for _, c := range cs {
			v.Charts[c.ID] = c
			if strings.HasPrefix(c.ID, "modality-") || c.ID == "meeting-minutes" {
				v.MinutesCharts = append(v.MinutesCharts, c)
			}
		}
	}
	for _, r := range y.MeetingsByYear {
		if r.GrowthPct != nil && *r.GrowthPct >= 100 {
			v.Highlight = append(v.Highlight, fmt.Sprintf(lang.T("highlight"), platformName(r.Platform), lang.Pct(r.GrowthPct, false), r.Year, r.Year-1))
		}
	}
	return v, nil
}

var platformNames = map[string]string{"teams": "Microsoft Teams", "skype": "Skype för företag/for Business", "zoom": "Zoom", "webex": "Webex"}

func platformName(p string) string {
	if n, ok := platformNames[p]; ok {
		return n
	}
	return p
}

func (v *view) funcs() template.FuncMap {
	l := v.Lang
	return template.FuncMap{
		"t":   l.T,
		"tf":  func(key string, args ...any) string { return fmt.Sprintf(l.T(key), args...) },
		"int": func(n any) string { return l.Int(toInt64(n)) },
		"num": func(p *float64, d int) string {
			if p == nil {
				return "–"
			}
			return l.Number(*p, d)
		},
		"pct":    func(p *float64) string { return l.Pct(p, false) },
		"growth": func(p *float64) string { return l.Pct(p, true) },
		"min": func(p *int64) string {
			if p == nil {
				return ""
			}
			return l.Int(*p)
		},
		"month":    func(y, m int) string { return fmt.Sprintf("%s %d", l.Month(m), y) },
		"platform": platformName,
		// md is where text from outside (agents, imports) enters Markdown.
		"md":      safetext.Markdown,
		"right":   right,
		"serials": func(s []string) string { return listN(s, 50, l) },
		"notseen": func(ns []lifecycle.NotSeen) string {
			s := make([]string, len(ns))
			for i, n := range ns {
				s[i] = n.Serial
				if n.Model != "" || n.Status != "" {
					s[i] += " (" + strings.Trim(n.Model+", "+n.Status, ", ") + ")"
				}
			}
			return listN(s, 50, l)
		},
		"share": func(n, of int) string {
			if of == 0 {
				return "–"
			}
			p := float64(n) / float64(of) * 100
			return l.Pct(&p, false)
		},
	}
}

// reportCSS styles both HTML reports: system fonts, no web fonts.
const reportCSS = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1d2a33;line-height:1.5}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{margin-top:2.5rem;border-bottom:2px solid #2f7d4f;padding-bottom:.2rem}h3{margin-top:1.8rem}
.meta{color:#5b6b75;font-size:.9rem}
table{border-collapse:collapse;margin:.8rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.25rem .7rem;border-bottom:1px solid #dde3e6;text-align:left}td.n,th.n{text-align:right}
figure.chart{margin:1rem 0;padding:.5rem;border:1px solid #dde3e6;border-radius:6px;background:#fff}
figure.chart svg{display:block;width:100%;height:auto}
figcaption{font-weight:600;margin-bottom:.3rem}
.kpis{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
.kpi{flex:1 1 12rem;border:1px solid #dde3e6;border-radius:6px;padding:.6rem .8rem;background:#f6faf7}
.kpi b{display:block;font-size:1.5rem;color:#2f7d4f}
.highlight{font-size:1.15rem;background:#eef7f1;border-left:4px solid #2f7d4f;padding:.5rem .8rem}
.nodata{background:#fdf6e3;border-left:4px solid #c9a227;padding:.5rem .8rem}
.note{color:#3d4f5a;font-size:.95rem}
.source{color:#5b6b75;font-size:.85rem}
td code,.source code{font-size:.8rem;color:#5b6b75}
.estimate{margin:1.8rem 0;padding:.2rem 1rem .6rem;border:2px dashed #b7791f;border-radius:6px;background:#fffaf0}
.estimate h3{margin-top:.8rem;color:#8a5a00}
.estimate strong{color:#8a5a00}
@media print{figure.chart,.estimate{break-inside:avoid}}
`

// sharedHTML holds what both HTML documents draw alike: a table with its
// caption and source line, and an estimate box (a figure that is not
// measured, with its factors).
const sharedHTML = `{{define "table"}}{{if eq .H 4}}<h4>{{.Caption}}</h4>{{else}}<h3>{{.Caption}}</h3>{{end}}
<table{{with .ID}} data-table="{{.}}"{{end}}>
<thead><tr>{{$t := .}}{{range $i, $h := .Head}}<th{{if right $t.Num $i}} class="n"{{end}}>{{$h}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if right $t.Num $i}} class="n"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
{{with .Source}}<p class="source">{{t "p.source"}}: <code>{{.}}</code></p>
{{end}}{{end}}
{{define "estimate"}}<aside class="estimate" data-estimate="{{.ID}}">
<h3>{{.Title}}</h3>
<p><strong>{{.Label}}</strong> {{.Note}}</p>
{{range .Tables}}{{template "table" .}}{{end}}</aside>
{{end}}`

// sharedMarkdown is sharedHTML in Markdown.
const sharedMarkdown = `{{define "table"}}
{{if eq .H 4}}####{{else}}###{{end}} {{md .Caption}}

|{{range .Head}} {{md .}} |{{end}}
|{{$t := .}}{{range $i, $h := .Head}}{{if right $t.Num $i}}--:{{else}}---{{end}}|{{end}}
{{range .Rows}}|{{range .}} {{md .}} |{{end}}
{{end}}{{with .Source}}
{{t "p.source"}}: ` + "`{{.}}`" + `
{{end}}{{end}}
{{define "estimate"}}
### {{md .Title}}

**{{md .Label}}** {{md .Note}}
{{range .Tables}}{{template "table" .}}{{end}}{{end}}`

// right says whether column i of a table is right-aligned (numeric).
func right(num []bool, i int) bool { return i < len(num) && num[i] }

// listN joins the first n entries and says how many more there are.
func listN(s []string, n int, l Lang) string {
	if len(s) <= n {
		return strings.Join(s, ", ")
	}
	return strings.Join(s[:n], ", ") + fmt.Sprintf(l.T("l.more"), len(s)-n)
}

func toInt64(n any) int64 {
	switch x := n.(type) {
	case int:
		return int64(x)
	case int64:
		return x
	case float64:
		return int64(x)
	}
	return 0
}

// WriteHTML writes the report as one self-contained HTML page: inline CSS
// and inline SVG charts, nothing loaded from the network, no scripts.
func WriteHTML(w io.Writer, y *Yearly, lang Lang) error {
	v, err := newView(y, lang, true)
	if err != nil {
		return err
	}
	t, err := template.New("html").Funcs(v.funcs()).Parse(htmlTemplate + sharedHTML)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	if err := t.Execute(w, v); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// WriteMarkdown writes the report as Markdown (tables, no charts).
func WriteMarkdown(w io.Writer, y *Yearly, lang Lang) error {
	v, err := newView(y, lang, false)
	if err != nil {
		return err
	}
	t, err := texttemplate.New("md").Funcs(texttemplate.FuncMap(v.funcs())).Parse(markdownTemplate + sharedMarkdown)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	if err := t.Execute(w, v); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

const htmlTemplate = `<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>` + reportCSS + `</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">{{t "generated"}} {{.Generated}}</p>
<p>{{t "intro"}}</p>

<h2 id="meetings">{{t "h.meetings"}}</h2>
{{range .Highlight}}<p class="highlight">{{.}}</p>{{end}}
{{if .Y.MeetingsByYear}}
<h3>{{t "h.meetings_year"}}</h3>
<table>
<thead><tr><th>{{t "platform"}}</th><th>{{t "year"}}</th><th class="n">{{t "meetings"}}</th><th class="n">{{t "growth"}}</th></tr></thead>
<tbody>
{{range .Y.MeetingsByYear}}<tr><td>{{platform .Platform}}</td><td>{{.Year}}</td><td class="n">{{int .Meetings}}</td><td class="n">{{growth .GrowthPct}}</td></tr>
{{end}}{{range .Y.TotalsByYear}}<tr><th>{{t "all"}}</th><th>{{.Year}}</th><th class="n">{{int .Meetings}}</th><th class="n">{{growth .GrowthPct}}</th></tr>
{{end}}</tbody>
</table>
{{with index .Charts "meetings-by-year"}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>{{end}}
<h3>{{t "h.meetings_month"}}</h3>
{{with index .Charts "meetings-by-month"}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>{{end}}
{{else}}<p>{{t "no_meetings"}}</p>{{end}}

<h3>{{t "h.minutes"}}</h3>
{{if .Y.Minutes}}
<table>
<thead><tr><th>{{t "platform"}}</th><th>{{t "year"}}</th><th class="n">{{t "audio"}}</th><th class="n">{{t "video"}}</th><th class="n">{{t "screenshare"}}</th><th class="n">{{t "meeting_min"}}</th></tr></thead>
<tbody>
{{range .Y.Minutes}}<tr><td>{{platform .Platform}}</td><td>{{.Year}}</td><td class="n">{{min .Audio}}</td><td class="n">{{min .Video}}</td><td class="n">{{min .ScreenShare}}</td><td class="n">{{min .Meeting}}</td></tr>
{{end}}</tbody>
</table>
{{range .MinutesCharts}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>
{{end}}
{{else}}<p>{{t "no_minutes"}}</p>{{end}}

<h2 id="fleet">{{t "h.fleet"}}</h2>
{{with .Y.Fleet}}{{if .Devices}}
<p>{{tf "f.as_of" .AsOf .WindowFrom}}</p>
<div class="kpis">
<div class="kpi"><b>{{int .Devices}}</b>{{tf "f.devices" $.Y.To}}</div>
<div class="kpi"><b>{{num .MedianAgeYears 1}}</b>{{t "f.median_age"}}</div>
<div class="kpi"><b>{{int .DueReplacement}}</b>{{tf "f.due_replacement" ($.Lang.Number .PlannedLife 0)}}</div>
<div class="kpi"><b>{{int .DueBattery}}</b>{{t "f.due_battery"}}</div>
<div class="kpi"><b>{{pct .Uptime.NotRebootedPct}}</b>{{t "f.not_rebooted"}}</div>
</div>
<table>
<tbody>
{{range .DevicesByYear}}<tr><td>{{t "f.by_year"}}: {{.Year}}</td><td class="n">{{int .Devices}}</td></tr>
{{end}}<tr><td>{{t "f.median_health"}}</td><td class="n">{{pct .MedianHealth}}</td></tr>
<tr><td>{{t "f.below80"}}</td><td class="n">{{int .BelowHealth}} / {{int .Batteries}}</td></tr>
<tr><td>{{t "f.over1000"}}</td><td class="n">{{int .OverCycles}} / {{int .Batteries}}</td></tr>
<tr><td>{{t "f.not_rebooted"}}</td><td class="n">{{int .Uptime.NotRebooted30d}} / {{int .Uptime.Devices}}</td></tr>
<tr><td>{{t "f.median_uptime"}}</td><td class="n">{{num .Uptime.MedianUptimeDay 1}}</td></tr>
</tbody>
</table>
<p>{{tf "f.age_source" (int .AgeFromFW) (int .AgeFromSeen)}}</p>
{{with index $.Charts "device-age"}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>{{end}}
{{with index $.Charts "battery-health"}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>{{end}}
{{with index $.Charts "uptime"}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>{{end}}
{{else}}<p>{{t "no_devices"}}</p>{{end}}{{end}}

<h2 id="longevity">{{t "h.longevity"}}</h2>
{{with .Y.Longevity}}
<p>{{tf "l.as_of" .AsOf .WindowFrom}}</p>
<div class="kpis">
<div class="kpi"><b>{{num .MedianServiceLife 1}}</b>{{t "l.median_life"}}</div>
<div class="kpi"><b>{{pct .SecondRoundPct}}</b>{{t "l.second_round"}}</div>
<div class="kpi"><b>{{pct .ThirdRoundPct}}</b>{{t "l.third_round"}}</div>
<div class="kpi"><b>{{int .ReuseCandidates}}</b>{{tf "l.candidates" ($.Lang.Number .PlannedLife 0)}}</div>
</div>
<table>
<tbody>
<tr><td>{{t "l.hardware"}}</td><td class="n">{{int .Hardware}}</td></tr>
<tr><td>{{t "l.device_ids"}}</td><td class="n">{{int .DeviceIDs}}</td></tr>
<tr><td>{{t "l.mean_rounds"}}</td><td class="n">{{num .MeanRounds 1}}</td></tr>
<tr><td>{{t "l.second_round"}}</td><td class="n">{{int .SecondRound}} / {{int .Hardware}}</td></tr>
<tr><td>{{t "l.third_round"}}</td><td class="n">{{int .ThirdRound}} / {{int .Hardware}}</td></tr>
<tr><td>{{t "l.retired"}}</td><td class="n">{{int .Retired}}</td></tr>
<tr><td>{{t "l.batteries_replaced"}}</td><td class="n">{{int .BatteriesReplaced}}</td></tr>
<tr><td>{{tf "l.past_life" ($.Lang.Number .PlannedLife 0)}}</td><td class="n">{{int .PastPlannedLife}}</td></tr>
<tr><td>{{tf "l.candidates" ($.Lang.Number .PlannedLife 0)}}</td><td class="n">{{int .ReuseCandidates}}</td></tr>
</tbody>
</table>
{{with index $.Charts "rounds"}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>{{end}}
<h3>{{t "h.service_life"}}</h3>
{{if .Retired}}
<p>{{tf "l.life_source" (int .RetiredFromPurchase) (int .RetiredFromFirstSeen)}}</p>
<table>
<thead><tr><th>{{t "l.class"}}</th><th class="n">{{t "l.retired"}}</th><th class="n">{{t "l.median_life"}}</th></tr></thead>
<tbody>
{{range .ServiceLifeByClass}}<tr><td>{{.Name}}</td><td class="n">{{int .Retired}}</td><td class="n">{{num .MedianYears 1}}</td></tr>
{{end}}</tbody>
</table>
<table>
<thead><tr><th>{{t "l.model"}}</th><th class="n">{{t "l.retired"}}</th><th class="n">{{t "l.median_life"}}</th></tr></thead>
<tbody>
{{range .ServiceLifeByModel}}<tr><td>{{.Name}}</td><td class="n">{{int .Retired}}</td><td class="n">{{num .MedianYears 1}}</td></tr>
{{end}}</tbody>
</table>
{{with index $.Charts "service-life"}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>{{end}}
{{else}}<p>{{t "l.no_retired"}}</p>{{end}}
<h3>{{t "h.certifications"}}</h3>
{{if .Certifications}}
<table>
<thead><tr><th>{{t "year"}}</th><th class="n">{{t "l.purchases"}}</th><th class="n">Energy Star</th><th class="n">TCO Certified</th><th class="n">EPEAT</th></tr></thead>
<tbody>
{{range .Certifications}}<tr><td>{{.Year}}</td><td class="n">{{int .Purchases}}</td><td class="n">{{pct .EnergyStarPct}}</td><td class="n">{{pct .TCOPct}}</td><td class="n">{{pct .EPEATPct}}</td></tr>
{{end}}</tbody>
</table>
{{with index $.Charts "certifications"}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>{{end}}
{{else}}<p>{{t "l.no_inventory"}}</p>{{end}}
<h3>{{t "h.gap"}}</h3>
{{if .InventoryItems}}
<p>{{tf "l.missing" (int (len .MissingFromInventory))}} {{serials .MissingFromInventory}}</p>
<p>{{tf "l.never" (int (len .NeverReported))}} {{notseen .NeverReported}}</p>
{{else}}<p>{{t "l.no_inventory"}}</p>{{end}}
{{end}}

<div class="part" data-part="carbon">
<h2 id="carbon">{{t "h.co2"}}</h2>
{{with .Carbon}}{{if .NoData}}<p class="nodata" data-nodata="carbon">{{.NoData}}</p>
{{else}}<p>{{.Intro}}</p>
<div class="kpis">
{{range .KPIs}}<div class="kpi"><b>{{.Value}}</b>{{.Label}}</div>
{{end}}</div>
{{range .Tables}}{{template "table" .}}{{end}}<p class="note">{{t "co2.note_kg"}}</p>
{{range .Charts}}<figure class="chart" data-chart="{{.ID}}"><figcaption>{{.Title}}</figcaption>{{.SVG}}</figure>
{{end}}<p class="note">{{.Matches}}</p>
<p class="note">{{.Baseline}}</p>
<p class="source" data-citation="carbon">{{.Citation}}</p>
{{end}}{{with .Travel}}{{template "estimate" .}}{{end}}{{end}}
</div>

<h2 id="method">{{t "h.method"}}</h2>
<p>{{t "m.text1"}}</p>
<p>{{t "m.text2"}}</p>
<p>{{t "m.text3"}}</p>
<table>
<thead><tr><th>{{t "m.source"}}</th><th>{{t "m.measurement"}}</th><th>{{t "m.first"}}</th><th>{{t "m.last"}}</th><th class="n">{{t "m.days"}}</th></tr></thead>
<tbody>
{{range .Y.Method}}<tr><td>{{.Source}}</td><td><code>{{.Measurement}}</code></td><td>{{.FirstDay}}</td><td>{{.LastDay}}</td><td class="n">{{int .Days}}</td></tr>
{{end}}</tbody>
</table>
</body>
</html>
`

const markdownTemplate = `# {{.Title}}

{{t "generated"}} {{.Generated}}

{{t "intro"}}

## {{t "h.meetings"}}
{{range .Highlight}}
**{{md .}}**
{{end}}
### {{t "h.meetings_year"}}
{{if .Y.MeetingsByYear}}
| {{t "platform"}} | {{t "year"}} | {{t "meetings"}} | {{t "growth"}} |
|---|---|--:|--:|
{{range .Y.MeetingsByYear}}| {{md (platform .Platform)}} | {{.Year}} | {{int .Meetings}} | {{growth .GrowthPct}} |
{{end}}{{range .Y.TotalsByYear}}| **{{t "all"}}** | {{.Year}} | {{int .Meetings}} | {{growth .GrowthPct}} |
{{end}}
### {{t "h.meetings_month"}}

| {{t "platform"}} | {{t "h.meetings_month"}} | {{t "meetings"}} |
|---|---|--:|
{{range .Y.MeetingsByMonth}}| {{md (platform .Platform)}} | {{month .Year .Month}} | {{int .Meetings}} |
{{end}}{{else}}
{{t "no_meetings"}}
{{end}}
### {{t "h.minutes"}}
{{if .Y.Minutes}}
| {{t "platform"}} | {{t "year"}} | {{t "audio"}} | {{t "video"}} | {{t "screenshare"}} | {{t "meeting_min"}} |
|---|---|--:|--:|--:|--:|
{{range .Y.Minutes}}| {{md (platform .Platform)}} | {{.Year}} | {{min .Audio}} | {{min .Video}} | {{min .ScreenShare}} | {{min .Meeting}} |
{{end}}{{else}}
{{t "no_minutes"}}
{{end}}
## {{t "h.fleet"}}
{{with .Y.Fleet}}{{if .Devices}}
{{tf "f.as_of" .AsOf .WindowFrom}}

| | |
|---|--:|
| {{tf "f.devices" $.Y.To}} | {{int .Devices}} |
{{range .DevicesByYear}}| {{t "f.by_year"}}: {{.Year}} | {{int .Devices}} |
{{end}}| {{t "f.median_age"}} | {{num .MedianAgeYears 1}} |
| {{tf "f.due_replacement" ($.Lang.Number .PlannedLife 0)}} | {{int .DueReplacement}} |
| {{t "f.median_health"}} | {{pct .MedianHealth}} |
| {{t "f.below80"}} | {{int .BelowHealth}} / {{int .Batteries}} |
| {{t "f.over1000"}} | {{int .OverCycles}} / {{int .Batteries}} |
| {{t "f.due_battery"}} | {{int .DueBattery}} |
| {{t "f.not_rebooted"}} | {{int .Uptime.NotRebooted30d}} / {{int .Uptime.Devices}} ({{pct .Uptime.NotRebootedPct}}) |
| {{t "f.median_uptime"}} | {{num .Uptime.MedianUptimeDay 1}} |

{{tf "f.age_source" (int .AgeFromFW) (int .AgeFromSeen)}}

| {{t "h.age"}} | {{t "devices"}} |
|---|--:|
{{range .AgeBuckets}}| {{.Label}} | {{int .Count}} |
{{end}}
| {{t "h.health"}} | {{t "batteries"}} |
|---|--:|
{{range .HealthBuckets}}| {{.Label}} | {{int .Count}} |
{{end}}
| {{t "h.uptime"}} | {{t "devices"}} |
|---|--:|
{{range .Uptime.Buckets}}| {{.Label}} | {{int .Count}} |
{{end}}{{else}}
{{t "no_devices"}}
{{end}}{{end}}
## {{t "h.longevity"}}
{{with .Y.Longevity}}
{{tf "l.as_of" .AsOf .WindowFrom}}

| | |
|---|--:|
| {{t "l.hardware"}} | {{int .Hardware}} |
| {{t "l.device_ids"}} | {{int .DeviceIDs}} |
| {{t "l.mean_rounds"}} | {{num .MeanRounds 1}} |
| {{t "l.second_round"}} | {{int .SecondRound}} / {{int .Hardware}} ({{pct .SecondRoundPct}}) |
| {{t "l.third_round"}} | {{int .ThirdRound}} / {{int .Hardware}} ({{pct .ThirdRoundPct}}) |
| {{t "l.retired"}} | {{int .Retired}} |
| {{t "l.median_life"}} | {{num .MedianServiceLife 1}} |
| {{t "l.batteries_replaced"}} | {{int .BatteriesReplaced}} |
| {{tf "l.past_life" ($.Lang.Number .PlannedLife 0)}} | {{int .PastPlannedLife}} |
| {{tf "l.candidates" ($.Lang.Number .PlannedLife 0)}} | {{int .ReuseCandidates}} |

| {{t "h.rounds"}} | {{t "l.hardware"}} |
|---|--:|
{{range .RoundsDistribution}}| {{.Label}} | {{int .Hardware}} |
{{end}}
### {{t "h.service_life"}}
{{if .Retired}}
{{tf "l.life_source" (int .RetiredFromPurchase) (int .RetiredFromFirstSeen)}}

| {{t "l.class"}} | {{t "l.retired"}} | {{t "l.median_life"}} |
|---|--:|--:|
{{range .ServiceLifeByClass}}| {{md .Name}} | {{int .Retired}} | {{num .MedianYears 1}} |
{{end}}
| {{t "l.model"}} | {{t "l.retired"}} | {{t "l.median_life"}} |
|---|--:|--:|
{{range .ServiceLifeByModel}}| {{md .Name}} | {{int .Retired}} | {{num .MedianYears 1}} |
{{end}}
| {{t "h.service_life"}} | {{t "l.hardware"}} |
|---|--:|
{{range .ServiceLifeDistribution}}| {{.Label}} | {{int .Count}} |
{{end}}{{else}}
{{t "l.no_retired"}}
{{end}}
### {{t "h.certifications"}}
{{if .Certifications}}
| {{t "year"}} | {{t "l.purchases"}} | Energy Star | TCO Certified | EPEAT |
|---|--:|--:|--:|--:|
{{range .Certifications}}| {{.Year}} | {{int .Purchases}} | {{pct .EnergyStarPct}} | {{pct .TCOPct}} | {{pct .EPEATPct}} |
{{end}}{{else}}
{{t "l.no_inventory"}}
{{end}}
### {{t "h.gap"}}
{{if .InventoryItems}}
{{tf "l.missing" (int (len .MissingFromInventory))}} {{md (serials .MissingFromInventory)}}

{{tf "l.never" (int (len .NeverReported))}} {{md (notseen .NeverReported)}}
{{else}}
{{t "l.no_inventory"}}
{{end}}{{end}}
## {{t "h.co2"}}
{{with .Carbon}}{{if .NoData}}
{{md .NoData}}
{{else}}
{{md .Intro}}

| | |
|---|--:|
{{range .KPIs}}| {{md .Label}} | {{.Value}} |
{{end}}{{range .Tables}}{{template "table" .}}{{end}}
{{t "co2.note_kg"}}

{{md .Matches}}

{{md .Baseline}}

{{md .Citation}}
{{end}}{{with .Travel}}{{template "estimate" .}}{{end}}{{end}}
## {{t "h.method"}}

{{t "m.text1"}}

{{t "m.text2"}}

{{t "m.text3"}}

| {{t "m.source"}} | {{t "m.measurement"}} | {{t "m.first"}} | {{t "m.last"}} | {{t "m.days"}} |
|---|---|---|---|--:|
{{range .Y.Method}}| {{md .Source}} | ` + "`{{.Measurement}}`" + ` | {{.FirstDay}} | {{.LastDay}} | {{int .Days}} |
{{end}}`
