package pull

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	promclient "github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Metrics are the pull's counters, the same for the pull inside serve
// (on /metrics) and for `pull --metrics-file` (Prometheus text for
// node_exporter's textfile collector). Prometheus names:
//
//	kretslopp_graph_pull_runs_total{outcome}         ok, partial, failed, interrupted
//	kretslopp_graph_pull_days_total{step}            days written
//	kretslopp_graph_pull_days_left{step}             days the last run left for the next
//	kretslopp_graph_pull_throttled_waits_total       waits for a Retry-After
//	kretslopp_graph_pull_failed                      1 when the last run failed
//	kretslopp_graph_pull_last_success_timestamp_seconds
type Metrics struct {
	runs, days, throttled metric.Int64Counter
	daysLeft, failed      metric.Int64Gauge
	lastSuccess           metric.Float64Gauge
}

// NewMetrics creates the instruments on meter.
func NewMetrics(meter metric.Meter) (*Metrics, error) {
	m := &Metrics{}
	var err error
	if m.runs, err = meter.Int64Counter("kretslopp.graph.pull.runs", metric.WithDescription("Graph pull runs by outcome (ok, partial, failed, interrupted)")); err != nil {
		return nil, err
	}
	if m.days, err = meter.Int64Counter("kretslopp.graph.pull.days", metric.WithDescription("days written by the Graph pull, by step")); err != nil {
		return nil, err
	}
	if m.throttled, err = meter.Int64Counter("kretslopp.graph.pull.throttled_waits", metric.WithDescription("waits for a Retry-After from Graph")); err != nil {
		return nil, err
	}
	if m.daysLeft, err = meter.Int64Gauge("kretslopp.graph.pull.days_left", metric.WithDescription("days the last Graph pull left for the next run, by step")); err != nil {
		return nil, err
	}
	if m.failed, err = meter.Int64Gauge("kretslopp.graph.pull.failed", metric.WithDescription("1 when the last Graph pull failed")); err != nil {
		return nil, err
	}
	if m.lastSuccess, err = meter.Float64Gauge("kretslopp.graph.pull.last_success_timestamp", metric.WithUnit("s"), metric.WithDescription("end of the last Graph pull without a failed step (unix seconds)")); err != nil {
		return nil, err
	}
	return m, nil
}

// Record adds one finished run.
func (m *Metrics) Record(ctx context.Context, sum Summary, end time.Time) {
	if m == nil {
		return
	}
	outcome := sum.Outcome()
	m.runs.Add(ctx, 1, metric.WithAttributes(attribute.String("outcome", outcome)))
	var throttled int64
	for _, o := range sum.Outcomes {
		step := metric.WithAttributes(attribute.String("step", o.Name))
		m.days.Add(ctx, int64(o.Days), step)
		m.daysLeft.Record(ctx, int64(o.DaysLeft), step)
		throttled += o.ThrottledWaits
	}
	m.throttled.Add(ctx, throttled)
	failed := int64(0)
	if outcome == OutcomeFailed {
		failed = 1
	}
	m.failed.Record(ctx, failed)
	if outcome == OutcomeOK || outcome == OutcomePartial {
		m.SetLastSuccess(ctx, end)
	}
}

// SetLastSuccess sets the last success time (a textfile carries it over).
func (m *Metrics) SetLastSuccess(ctx context.Context, t time.Time) {
	m.lastSuccess.Record(ctx, float64(t.UnixNano())/1e9)
}

const lastSuccessName = "kretslopp_graph_pull_last_success_timestamp_seconds"

// WriteTextfile writes the metrics of one run in the Prometheus text
// format, atomically, for node_exporter's textfile collector. The last
// success time of an earlier run is kept when this run failed.
func WriteTextfile(path string, sum Summary, end time.Time) error {
	registry := promclient.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return err
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer provider.Shutdown(context.Background())
	m, err := NewMetrics(provider.Meter("github.com/kretslopp/kretslopp/collector"))
	if err != nil {
		return err
	}
	ctx := context.Background()
	if prev, ok := readLastSuccess(path); ok {
		m.SetLastSuccess(ctx, prev)
	}
	m.Record(ctx, sum, end)
	if err := promclient.WriteToTextfile(path, registry); err != nil {
		return fmt.Errorf("writing the metrics file: %w", err)
	}
	return nil
}

func readLastSuccess(path string) (time.Time, bool) {
	f, err := os.Open(path)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.HasPrefix(name, lastSuccessName) {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil && v > 0 {
			return time.Unix(0, int64(v*1e9)).UTC(), true
		}
	}
	return time.Time{}, false
}
