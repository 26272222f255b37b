package report_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/kretslopp/kretslopp/collector/internal/report"
	"github.com/kretslopp/kretslopp/internal/testkit"
)

// chartInfo is what the browser measured of one chart.
type chartInfo struct {
	ID       string   `json:"id"`
	Width    float64  `json:"width"`
	Height   float64  `json:"height"`
	Shapes   int      `json:"shapes"`
	Texts    int      `json:"texts"`
	Overlaps []string `json:"overlaps"` // pairs of labels whose boxes intersect
	Outside  []string `json:"outside"`  // labels that stick out of the chart
}

// pageInfo is what the browser saw of one page.
type pageInfo struct {
	Title    string
	Charts   map[string]chartInfo
	Sections []string // data-section of each <section>, in order
	NoData   []string // sections (and parts) that say they have no data
	// Parts are "section/part" for each part of a section (data-part).
	Parts []string
	// Estimates are "ID in section" for each estimate box (data-estimate)
	// that is drawn (not empty), with the section it is in ("" outside one).
	Estimates []string
}

// measureCharts runs in the page: per chart, its size, how much it draws,
// and every pair of non-empty <text> boxes that intersect (by more than
// half a pixel either way) or leave the chart's own box.
const measureCharts = `[...document.querySelectorAll("figure.chart")].map(f => {
	const s = f.querySelector("svg");
	const r = s ? s.getBoundingClientRect() : {width: 0, height: 0, left: 0, right: 0, top: 0, bottom: 0};
	const texts = s ? [...s.querySelectorAll("text")].filter(t => t.textContent.trim() !== "").map(t => ({t: t.textContent, b: t.getBoundingClientRect()})) : [];
	const overlaps = [], outside = [];
	const e = 0.5;
	for (let i = 0; i < texts.length; i++) {
		const a = texts[i].b;
		if (a.left < r.left - e || a.right > r.right + e || a.top < r.top - e || a.bottom > r.bottom + e) outside.push(texts[i].t);
		for (let j = i + 1; j < texts.length; j++) {
			const b = texts[j].b;
			if (a.left < b.right - e && b.left < a.right - e && a.top < b.bottom - e && b.top < a.bottom - e) overlaps.push(texts[i].t + " / " + texts[j].t);
		}
	}
	return {id: f.dataset.chart, width: r.width, height: r.height,
		shapes: s ? s.querySelectorAll("path,rect,circle,polyline").length : 0,
		texts: texts.length, overlaps, outside};
})`

// openInChromium writes page to a file, opens it in headless Chromium and
// returns what the browser saw. It fails the test on a console error or
// warning, an exception, or any network request; it saves a screenshot of
// the whole page and one of each chart under $TMPDIR/kretslopp-report-test/
// (name-*.png) and logs their paths.
func openInChromium(t *testing.T, page []byte, name string) pageInfo {
	t.Helper()
	chromium := testkit.Tool(t, "chromium", "chromium-browser") // Debian's; make tools installs it
	shots := filepath.Join(os.TempDir(), "kretslopp-report-test")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), name+".html")
	if err := os.WriteFile(file, page, 0o644); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(browserProfile(t)),
		chromedp.WindowSize(1200, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	var mu sync.Mutex
	var problems []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value))
				}
				problems = append(problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Error())
		case *network.EventRequestWillBeSent:
			if u := e.Request.URL; !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") {
				problems = append(problems, "network request: "+u)
			}
		}
	})
	var charts []chartInfo
	var info pageInfo
	var png []byte
	err := chromedp.Run(ctx,
		network.Enable(),
		runtime.Enable(),
		chromedp.Navigate("file://"+file),
		chromedp.WaitReady("body"),
		chromedp.Title(&info.Title),
		chromedp.Evaluate(measureCharts, &charts),
		chromedp.Evaluate(`[...document.querySelectorAll("section[data-section]")].map(s => s.dataset.section)`, &info.Sections),
		chromedp.Evaluate(`[...document.querySelectorAll("[data-nodata]")].map(s => s.dataset.nodata)`, &info.NoData),
		chromedp.Evaluate(`[...document.querySelectorAll("[data-part]")].map(p => (p.closest("section[data-section]")?.dataset.section ?? "") + "/" + p.dataset.part)`, &info.Parts),
		chromedp.Evaluate(`[...document.querySelectorAll("aside[data-estimate]")].filter(a => a.getBoundingClientRect().height > 50).map(a => a.dataset.estimate + " in " + (a.closest("section[data-section]")?.dataset.section ?? ""))`, &info.Estimates),
		chromedp.FullScreenshot(&png, 90),
	)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	shot := filepath.Join(shots, name+".png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
	if len(png) < 10000 {
		t.Errorf("screenshot is only %d bytes", len(png))
	}
	info.Charts = map[string]chartInfo{}
	for _, c := range charts {
		info.Charts[c.ID] = c
		var one []byte
		if err := chromedp.Run(ctx, chromedp.Screenshot(fmt.Sprintf(`figure[data-chart=%q]`, c.ID), &one, chromedp.NodeVisible)); err != nil {
			t.Errorf("screenshot of chart %s: %v", c.ID, err)
			continue
		}
		p := filepath.Join(shots, name+"-"+c.ID+".png")
		if err := os.WriteFile(p, one, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("chart screenshot: %s", p)
	}
	// The parts of a page and its estimate boxes, each on its own.
	var boxes []string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll("[data-part],aside[data-estimate]")].map(e => e.dataset.part ? "part-" + e.dataset.part : "estimate-" + e.dataset.estimate)`, &boxes)); err != nil {
		t.Errorf("parts: %v", err)
	}
	for _, b := range boxes {
		sel := fmt.Sprintf(`[data-part=%q]`, strings.TrimPrefix(b, "part-"))
		if strings.HasPrefix(b, "estimate-") {
			sel = fmt.Sprintf(`aside[data-estimate=%q]`, strings.TrimPrefix(b, "estimate-"))
		}
		var one []byte
		if err := chromedp.Run(ctx, chromedp.Screenshot(sel, &one, chromedp.NodeVisible)); err != nil {
			t.Errorf("screenshot of %s: %v", b, err)
			continue
		}
		p := filepath.Join(shots, name+"-"+b+".png")
		if err := os.WriteFile(p, one, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Error(p)
	}
	return info
}

// checkCharts fails for a missing, empty or too small chart, and for any
// chart whose labels overlap or stick out.
func checkCharts(t *testing.T, info pageInfo, want []string) {
	t.Helper()
	for _, id := range want {
		c, ok := info.Charts[id]
		switch {
		case !ok:
			t.Errorf("chart %s missing", id)
		case c.Width < 300 || c.Height < 100:
			t.Errorf("chart %s is %vx%v px", id, c.Width, c.Height)
		case c.Shapes < 5 || c.Texts < 3:
			t.Errorf("chart %s looks empty: %d shapes, %d texts", id, c.Shapes, c.Texts)
		}
	}
	for id, c := range info.Charts {
		for _, o := range c.Overlaps {
			t.Errorf("chart %s: labels overlap: %s", id, o)
		}
		for _, o := range c.Outside {
			t.Errorf("chart %s: label %q sticks out of the chart", id, o)
		}
	}
}

// selfContained fails when the page would load anything.
func selfContained(t *testing.T, html string) {
	t.Helper()
	bare := strings.NewReplacer(`xmlns="http://www.w3.org/2000/svg"`, "", `xmlns:xlink="http://www.w3.org/1999/xlink"`, "").Replace(html)
	for _, bad := range []string{"<script", "http://", "https://", "@import", "url("} {
		if strings.Contains(bare, bad) {
			t.Errorf("page contains %q: it must be self-contained", bad)
		}
	}
}

// TestYearlyHTMLInChromium renders the report in both languages, opens
// each page in headless Chromium, and checks that it loads without console
// errors or network requests, that every chart is drawn, and that no two
// labels of a chart overlap.
func TestYearlyHTMLInChromium(t *testing.T) {
	testkit.Tool(t, "chromium", "chromium-browser") // fail early, before the fixture, when Chromium is missing
	y := fixture(t, true)
	wantCharts := []string{"meetings-by-year", "meetings-by-month", "modality-teams", "meeting-minutes", "device-age", "battery-health", "uptime", "rounds", "service-life", "certifications",
		"co2-per-device-year", "co2-retired"}
	for _, lang := range []report.Lang{report.Swedish, report.English} {
		t.Run(string(lang), func(t *testing.T) {
			var page bytes.Buffer
			if err := report.WriteHTML(&page, y, lang); err != nil {
				t.Fatal(err)
			}
			html := page.String()
			selfContained(t, html)
			if lang == report.Swedish && !strings.Contains(html, "12\u00a0950,0\u00a0%") {
				t.Error("Swedish page lacks the Teams growth as 12\u00a0950,0\u00a0%")
			}
			if lang == report.English && !strings.Contains(html, "12,950.0%") {
				t.Error("English page lacks the Teams growth as 12,950.0%")
			}
			info := openInChromium(t, page.Bytes(), "report-"+string(lang))
			if !strings.Contains(info.Title, "2019") {
				t.Errorf("title %q", info.Title)
			}
			checkCharts(t, info, wantCharts)
			// The travel estimate (travel factors are set) is drawn in its
			// own box, outside the measured figures.
			if strings.Join(info.Parts, ",") != "/carbon" || strings.Join(info.Estimates, ",") != "travel in " {
				t.Errorf("parts %v, estimate boxes %v", info.Parts, info.Estimates)
			}
		})
	}
}

// browserProfile is a fresh Chromium profile directory. Chromium's helper
// processes may still write to it for a moment after the browser exits, so
// it is removed with a few retries rather than by t.TempDir's strict check.
func browserProfile(t *testing.T) string {
	dir, err := os.MkdirTemp("", "kretslopp-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 20 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("chromium profile %s left behind", dir)
	})
	return dir
}
