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

// TestYearlyHTMLInChromium renders the report in both languages, opens
// each page in headless Chromium, and checks that it loads without console
// errors or network requests and that every chart is drawn.
func TestYearlyHTMLInChromium(t *testing.T) {
	chromium := testkit.Tool(t, "chromium", "chromium-browser") // Debian's; make tools installs it
	y := fixture(t)
	shots := filepath.Join(os.TempDir(), "kretslopp-report-test")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	wantCharts := []string{"meetings-by-year", "meetings-by-month", "minutes-by-modality", "device-age", "battery-health", "uptime", "rounds", "service-life", "certifications"}
	for _, lang := range []report.Lang{report.Swedish, report.English} {
		t.Run(string(lang), func(t *testing.T) {
			var page bytes.Buffer
			if err := report.WriteHTML(&page, y, lang); err != nil {
				t.Fatal(err)
			}
			html := page.String()
			bare := strings.NewReplacer(`xmlns="http://www.w3.org/2000/svg"`, "", `xmlns:xlink="http://www.w3.org/1999/xlink"`, "").Replace(html)
			for _, bad := range []string{"<script", "http://", "https://", "@import", "url("} {
				if strings.Contains(bare, bad) {
					t.Errorf("page contains %q: it must be self-contained", bad)
				}
			}
			if lang == report.Swedish && !strings.Contains(html, "12\u00a0950,0\u00a0%") {
				t.Error("Swedish page lacks the Teams growth as 12\u00a0950,0\u00a0%")
			}
			if lang == report.English && !strings.Contains(html, "12,950.0%") {
				t.Error("English page lacks the Teams growth as 12,950.0%")
			}
			file := filepath.Join(t.TempDir(), "report.html")
			if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
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
			ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
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
			type chartInfo struct {
				ID     string  `json:"id"`
				Width  float64 `json:"width"`
				Height float64 `json:"height"`
				Shapes int     `json:"shapes"`
				Texts  int     `json:"texts"`
			}
			var charts []chartInfo
			var title string
			var png []byte
			err := chromedp.Run(ctx,
				network.Enable(),
				runtime.Enable(),
				chromedp.Navigate("file://"+file),
				chromedp.WaitReady("body"),
				chromedp.Title(&title),
				chromedp.Evaluate(`[...document.querySelectorAll("figure.chart")].map(f => {
					const s = f.querySelector("svg"); const r = s ? s.getBoundingClientRect() : {width: 0, height: 0};
					return {id: f.dataset.chart, width: r.width, height: r.height,
						shapes: s ? s.querySelectorAll("path,rect,circle,polyline").length : 0,
						texts: s ? s.querySelectorAll("text").length : 0};
				})`, &charts),
				chromedp.FullScreenshot(&png, 90),
			)
			if err != nil {
				t.Fatalf("chromium: %v", err)
			}
			shot := filepath.Join(shots, "report-"+string(lang)+".png")
			if err := os.WriteFile(shot, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s (%d bytes)", shot, len(png))
			if len(png) < 10000 {
				t.Errorf("screenshot is only %d bytes", len(png))
			}
			if !strings.Contains(title, "2019") {
				t.Errorf("title %q", title)
			}
			got := map[string]chartInfo{}
			for _, c := range charts {
				got[c.ID] = c
			}
			for _, id := range wantCharts {
				c, ok := got[id]
				switch {
				case !ok:
					t.Errorf("chart %s missing", id)
				case c.Width < 300 || c.Height < 100:
					t.Errorf("chart %s is %vx%v px", id, c.Width, c.Height)
				case c.Shapes < 5 || c.Texts < 3:
					t.Errorf("chart %s looks empty: %d shapes, %d texts", id, c.Shapes, c.Texts)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for _, p := range problems {
				t.Error(p)
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
