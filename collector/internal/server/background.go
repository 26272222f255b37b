package server

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Background counts how each run of a job that serve runs beside the HTTP
// server ends (the lifecycle refresh, the Graph pull) and when the job
// last succeeded, on /metrics as kretslopp_background_runs_total{task,
// outcome} and kretslopp_background_last_success_timestamp_seconds{task},
// so that an alert sees a job that fails or stopped running.
type Background struct {
	runs        metric.Int64Counter
	lastSuccess metric.Float64Gauge
}

func newBackground(meter metric.Meter) (*Background, error) {
	var b Background
	var err error
	if b.runs, err = meter.Int64Counter("kretslopp.background.runs", metric.WithDescription("runs of a background job by task and outcome (ok, error)")); err != nil {
		return nil, err
	}
	if b.lastSuccess, err = meter.Float64Gauge("kretslopp.background.last_success_timestamp", metric.WithUnit("s"), metric.WithDescription("unix time of a background job's last successful run, by task")); err != nil {
		return nil, err
	}
	return &b, nil
}

// Observe records one run of task that ended at end with err.
func (b *Background) Observe(ctx context.Context, task string, end time.Time, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	b.runs.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(attribute.String("task", task), attribute.String("outcome", outcome))))
	if err == nil {
		b.lastSuccess.Record(ctx, float64(end.UnixNano())/1e9, metric.WithAttributeSet(attribute.NewSet(attribute.String("task", task))))
	}
}
