package server

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kretslopp/kretslopp/internal/schema"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
)

// sdkProvider is an OpenTelemetry Go SDK meter provider whose only reader
// exports through the SDK's own OTLP/HTTP exporter (protobuf, gzip) to the
// collector at collectorURL, with token as its bearer token. Metrics go out
// on ForceFlush.
func sdkProvider(t *testing.T, collectorURL, token string, res *resource.Resource) *sdkmetric.MeterProvider {
	t.Helper()
	u, err := url.Parse(collectorURL)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := otlpmetrichttp.New(context.Background(),
		otlpmetrichttp.WithEndpoint(u.Host),
		otlpmetrichttp.WithInsecure(),
		otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression),
		otlpmetrichttp.WithHeaders(map[string]string{"Authorization": "Bearer " + token}),
		// A refusal must reach the test, not be retried for a minute.
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: false}),
	)
	if err != nil {
		t.Fatal(err)
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithResource(res),
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exp, sdkmetric.WithInterval(time.Hour))))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	return mp
}

// TestOpenTelemetrySDKExporterLands: a standard OTLP exporter, not our
// agent, sends to the collector, and what it sends is in InfluxDB.
func TestOpenTelemetrySDKExporterLands(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	res := resource.NewSchemaless(
		attribute.String(schema.AttrHostID, "otel-sdk-1"),
		attribute.String(schema.AttrHostName, "sdk-host"),
		attribute.String(schema.AttrOSType, "linux"),
		attribute.String(schema.AttrDeviceManufacturer, "LENOVO"),
		attribute.String(schema.AttrDeviceModel, "ThinkPad X13"),
	)
	mp := sdkProvider(t, h.url, agentToken, res)
	meter := mp.Meter("otel-sdk-test")
	uptime, err := meter.Float64Gauge(schema.MetricUptime, metric.WithUnit("s"))
	if err != nil {
		t.Fatal(err)
	}
	charge, err := meter.Float64Gauge(schema.MetricBatteryCharge, metric.WithUnit("1"))
	if err != nil {
		t.Fatal(err)
	}
	uptime.Record(ctx, 4242)
	charge.Record(ctx, 0.5, metric.WithAttributes(attribute.String(schema.AttrBatteryID, "BAT0")))
	if err := mp.ForceFlush(ctx); err != nil {
		t.Fatalf("the SDK exporter's request failed: %v", err)
	}

	dev := row(t, h.db, `SELECT "uptime_s", "hostname", "model" FROM "device" WHERE "device_id" = 'otel-sdk-1'`)
	if dev["uptime_s"] != 4242.0 || dev["hostname"] != "sdk-host" || dev["model"] != "ThinkPad X13" {
		t.Errorf("device point from the SDK exporter: %v", dev)
	}
	bat := row(t, h.db, `SELECT "charge_pct" FROM "battery" WHERE "device_id" = 'otel-sdk-1' AND "battery" = 'BAT0'`)
	if bat["charge_pct"] != 50.0 {
		t.Errorf("battery point from the SDK exporter: %v", bat)
	}

	// With a wrong token the exporter is told so (401), and nothing lands.
	bad := sdkProvider(t, h.url, "not-a-token", resource.NewSchemaless(attribute.String(schema.AttrHostID, "otel-sdk-2")))
	g, err := bad.Meter("otel-sdk-test").Float64Gauge(schema.MetricUptime, metric.WithUnit("s"))
	if err != nil {
		t.Fatal(err)
	}
	g.Record(ctx, 1)
	err = bad.ForceFlush(ctx)
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("export with a wrong token: %v, want an error naming 401", err)
	}
	if series := h.db.Query(t, `SELECT * FROM "device" WHERE "device_id" = 'otel-sdk-2'`); len(series) != 0 {
		t.Errorf("a refused export was written: %v", series)
	}
}
