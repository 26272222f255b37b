// Package dashboards keeps Kretslopp's Grafana dashboards as code, built
// with the Grafana foundation SDK and rendered to the JSON that Grafana
// provisions from dashboards/json. Every query is raw InfluxQL on the
// dashboard's ${datasource} variable, so that the dashboards run on
// InfluxDB 1.8, on 2.x through a DBRP mapping and on 3.x.
//
// `go run ./dashboards/cmd/gen` rewrites dashboards/json; a test fails when
// the committed JSON differs from what this package generates, and the
// panel tests beside it run every target against a real InfluxDB filled
// by the real pipeline.
package dashboards

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"
)

// Dashboard is one generated dashboard.
type Dashboard struct {
	// File is the JSON file name in dashboards/json.
	File  string
	Build func() (dashboard.Dashboard, error)
}

// All lists the dashboards, in file order.
func All() []Dashboard {
	return []Dashboard{
		{File: "kretslopp-meetings.json", Build: Meetings},
		{File: "kretslopp-device-longevity.json", Build: DeviceLongevity},
		{File: "kretslopp-device-diagnostics.json", Build: DeviceDiagnostics},
		{File: "kretslopp-lifecycle.json", Build: Lifecycle},
		{File: "kretslopp-carbon.json", Build: Carbon},
		{File: "kretslopp-paper.json", Build: Paper},
	}
}

// Render returns the indented JSON of a dashboard, newline-terminated.
func Render(d Dashboard) ([]byte, error) {
	dash, err := d.Build()
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", d.File, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(dash); err != nil {
		return nil, fmt.Errorf("encode %s: %w", d.File, err)
	}
	return buf.Bytes(), nil
}

// Write renders every dashboard into dir.
func Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	var errs []error
	for _, d := range All() {
		b, err := Render(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, d.File), b, 0o644); err != nil {
			errs = append(errs, fmt.Errorf("write %s: %w", d.File, err))
		}
	}
	return errors.Join(errs...)
}

// DatasourceVariable is the name of the data source template variable.
const DatasourceVariable = "datasource"

func datasourceRef() *common.DataSourceRef {
	typ, uid := "influxdb", "${"+DatasourceVariable+"}"
	return &common.DataSourceRef{Type: &typ, Uid: &uid}
}

func datasourceVariable() *dashboard.DatasourceVariableBuilder {
	return dashboard.NewDatasourceVariableBuilder(DatasourceVariable).
		Label("InfluxDB").
		Type("influxdb").
		Regex("")
}

// board numbers panels as they are added, so that panel ids are stable.
type board struct {
	b  *dashboard.DashboardBuilder
	id uint32
}

func newBoard(uid, title, description, from string, tags ...string) *board {
	b := dashboard.NewDashboardBuilder(title).
		Uid(uid).
		Description(description).
		Tags(append([]string{"kretslopp"}, tags...)).
		Timezone("browser").
		Editable().
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		Time(from, "now").
		Refresh("").
		WithVariable(datasourceVariable())
	return &board{b: b}
}

func (b *board) row(title string) *board {
	b.id++
	b.b.WithRow(dashboard.NewRowBuilder(title).Id(b.id))
	return b
}

func (b *board) add(p cog.Builder[dashboard.Panel]) *board {
	b.id++
	b.b.WithPanel(numbered{p, b.id})
	return b
}

type numbered struct {
	b  cog.Builder[dashboard.Panel]
	id uint32
}

func (n numbered) Build() (dashboard.Panel, error) {
	p, err := n.b.Build()
	if err != nil {
		return p, err
	}
	p.Id = &n.id
	// The SDK's table options carry a footer by default, where Grafana up
	// to 12.1 had it. The table of Grafana 12.2 and later (@grafana/schema
	// 13: TableOptions) has none there; a footer is per field
	// (fieldConfig.defaults.custom.footer.reducers). Ours shows none.
	if o, ok := p.Options.(*table.Options); ok {
		o.Footer = nil
	}
	return p, nil
}

func (b *board) build() (dashboard.Dashboard, error) {
	d, err := b.b.Build()
	if err != nil {
		return d, err
	}
	// The SDK gives every variable the settings of an interval variable
	// (auto, auto_min, auto_count); Grafana's VariableModel (@grafana/schema
	// 13) has none of them, and they mean nothing to other variables.
	for i, v := range d.Templating.List {
		if v.Type != dashboard.VariableTypeInterval {
			d.Templating.List[i].Auto, d.Templating.List[i].AutoMin, d.Templating.List[i].AutoCount = nil, nil, nil
		}
	}
	return d, nil
}

func thresholds(base string, steps ...any) *dashboard.ThresholdsConfigBuilder {
	out := []dashboard.Threshold{{Color: base}}
	for i := 0; i+1 < len(steps); i += 2 {
		v := steps[i].(float64)
		out = append(out, dashboard.Threshold{Value: &v, Color: steps[i+1].(string)})
	}
	return dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).Steps(out)
}

func groupByTransform(fields map[string]any) dashboard.DataTransformerConfig {
	return dashboard.DataTransformerConfig{Id: "groupBy", Options: map[string]any{"fields": fields}}
}
