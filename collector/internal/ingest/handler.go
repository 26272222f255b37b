// Package ingest is the collector's OTLP/HTTP metrics receiver: it checks
// the bearer token, decodes protobuf or JSON (gzip or not, bounded after
// decompression), maps the agent's metrics to the device and battery
// measurements, and answers only after InfluxDB accepted the points.
package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/collector/internal/auth"
	"github.com/kretslopp/kretslopp/collector/internal/influx"
)

// Path is where OTLP/HTTP exporters send metrics.
const Path = "/v1/metrics"

// Metrics are the receiver's own health figures.
type Metrics struct {
	requests      metric.Int64Counter
	duration      metric.Float64Histogram
	pointsWritten metric.Int64Counter
	rejected      metric.Int64Counter
	writeErrors   metric.Int64Counter
	batchLatency  metric.Float64Histogram
	batchLines    metric.Int64Histogram
}

// NewMetrics creates the instruments on meter.
func NewMetrics(meter metric.Meter) (*Metrics, error) {
	var m Metrics
	var err error
	if m.requests, err = meter.Int64Counter("kretslopp.ingest.requests", metric.WithDescription("OTLP export requests by HTTP status")); err != nil {
		return nil, err
	}
	// What an agent waits for an answer: for a 200, until InfluxDB took
	// its points. The same figure as the benchmark's acknowledgement latency.
	if m.duration, err = meter.Float64Histogram("kretslopp.ingest.request.duration", metric.WithUnit("s"), metric.WithDescription("OTLP export request duration until the answer, by HTTP status"),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)); err != nil {
		return nil, err
	}
	if m.pointsWritten, err = meter.Int64Counter("kretslopp.ingest.points.written", metric.WithDescription("InfluxDB points written for acknowledged requests")); err != nil {
		return nil, err
	}
	if m.rejected, err = meter.Int64Counter("kretslopp.ingest.datapoints.rejected", metric.WithDescription("OTLP data points refused (partial success)")); err != nil {
		return nil, err
	}
	if m.writeErrors, err = meter.Int64Counter("kretslopp.influx.write.errors", metric.WithDescription("InfluxDB write requests that failed")); err != nil {
		return nil, err
	}
	if m.batchLatency, err = meter.Float64Histogram("kretslopp.influx.write.duration", metric.WithUnit("s"), metric.WithDescription("InfluxDB write batch latency"),
		metric.WithExplicitBucketBoundaries(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)); err != nil {
		return nil, err
	}
	if m.batchLines, err = meter.Int64Histogram("kretslopp.influx.write.lines", metric.WithDescription("lines per InfluxDB write batch"),
		metric.WithExplicitBucketBoundaries(1, 10, 50, 100, 500, 1000, 2500, 5000)); err != nil {
		return nil, err
	}
	return &m, nil
}

// ObserveWrite records one InfluxDB write; pass it to NewBatcher.
func (m *Metrics) ObserveWrite(lines int, d time.Duration, err error) {
	ctx := context.Background()
	m.batchLatency.Record(ctx, d.Seconds())
	m.batchLines.Record(ctx, int64(lines))
	if err != nil {
		m.writeErrors.Add(ctx, 1)
	}
}

// Handler serves POST /v1/metrics.
type Handler struct {
	Tokens       *auth.Tokens
	RateLimit    *RateLimiter
	Batcher      *Batcher
	Metrics      *Metrics
	Log          *slog.Logger
	MaxBodyBytes int64
	WriteTimeout time.Duration
	RetryAfter   time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	enc := JSON
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		enc = Protobuf
	}
	status, rejected := h.serve(w, r, &enc)
	byStatus := metric.WithAttributeSet(attribute.NewSet(attribute.Int("status", status)))
	h.Metrics.requests.Add(r.Context(), 1, byStatus)
	h.Metrics.duration.Record(r.Context(), time.Since(start).Seconds(), byStatus)
	if rejected > 0 {
		h.Metrics.rejected.Add(r.Context(), int64(rejected))
	}
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, enc *Encoding) (status, rejected int) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return h.fail(w, *enc, http.StatusMethodNotAllowed, "use POST"), 0
	}
	token, ok := h.Tokens.Check(w, r, "kretslopp")
	if !ok {
		msg := "invalid bearer token"
		if token == "" {
			msg = "missing bearer token (Authorization: Bearer …)"
		}
		return h.fail(w, *enc, http.StatusUnauthorized, msg), 0
	}
	if ok, wait := h.RateLimit.Allow(token); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(wait.Seconds(), 1)))))
		return h.fail(w, *enc, http.StatusTooManyRequests, "too many requests for this token; retry later"), 0
	}
	var err error
	if *enc, err = encodingOf(r.Header.Get("Content-Type")); err != nil {
		return h.fail(w, *enc, StatusOf(err), err.Error()), 0
	}
	if r.ContentLength > h.MaxBodyBytes {
		return h.fail(w, *enc, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body of %d bytes exceeds %d", r.ContentLength, h.MaxBodyBytes)), 0
	}
	body := http.MaxBytesReader(w, r.Body, h.MaxBodyBytes)
	data, err := readBody(body, r.Header.Get("Content-Encoding"), h.MaxBodyBytes)
	if err != nil {
		return h.fail(w, *enc, StatusOf(err), err.Error()), 0
	}
	req, err := Decode(data, *enc)
	if err != nil {
		return h.fail(w, *enc, StatusOf(err), err.Error()), 0
	}
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	mapped := Map(req, now())
	if len(mapped.Points) > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), h.WriteTimeout)
		invalid, err := h.Batcher.Write(ctx, mapped.Points)
		cancel()
		for _, e := range invalid {
			mapped.reject(1, "%v", e)
		}
		switch {
		case err != nil && influx.IsRejected(err):
			h.Log.Warn("influxdb refused a report's points", "points", len(mapped.Points), "err", err)
			mapped.reject(mapped.Accepted, "InfluxDB refused the points: %v", err)
			mapped.Accepted = 0
		case err != nil:
			w.Header().Set("Retry-After", strconv.Itoa(int(h.RetryAfter.Seconds())))
			return h.fail(w, *enc, http.StatusServiceUnavailable, "InfluxDB did not accept the write; keep the data and retry"), 0
		default:
			h.Metrics.pointsWritten.Add(r.Context(), int64(len(mapped.Points)))
		}
	}
	resp := &colmetricpb.ExportMetricsServiceResponse{}
	if mapped.Rejected > 0 || len(mapped.Reasons) > 0 {
		resp.PartialSuccess = &colmetricpb.ExportMetricsPartialSuccess{
			RejectedDataPoints: int64(mapped.Rejected),
			ErrorMessage:       strings.Join(mapped.Reasons, "; "),
		}
	}
	var out []byte
	if *enc == JSON {
		out, err = protojson.Marshal(resp)
	} else {
		out, err = proto.Marshal(resp)
	}
	if err != nil {
		return h.fail(w, *enc, http.StatusInternalServerError, "encoding response: "+err.Error()), mapped.Rejected
	}
	w.Header().Set("Content-Type", enc.ContentType())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out)
	return http.StatusOK, mapped.Rejected
}

// grpcCode maps an HTTP status to the google.rpc.Status code OTLP uses.
var grpcCode = map[int]int32{
	http.StatusBadRequest:            3,  // INVALID_ARGUMENT
	http.StatusUnauthorized:          16, // UNAUTHENTICATED
	http.StatusMethodNotAllowed:      12, // UNIMPLEMENTED
	http.StatusRequestEntityTooLarge: 8,  // RESOURCE_EXHAUSTED
	http.StatusUnsupportedMediaType:  3,
	http.StatusTooManyRequests:       8,
	http.StatusServiceUnavailable:    14, // UNAVAILABLE
	http.StatusInternalServerError:   13, // INTERNAL
}

// fail writes an OTLP error body: a google.rpc.Status in the request's
// encoding, with a message that says what was wrong.
func (h *Handler) fail(w http.ResponseWriter, enc Encoding, status int, msg string) int {
	code := grpcCode[status]
	var body []byte
	if enc == JSON {
		body, _ = json.Marshal(struct {
			Code    int32  `json:"code"`
			Message string `json:"message"`
		}{code, msg})
	} else {
		body = protowire.AppendTag(body, 1, protowire.VarintType)
		body = protowire.AppendVarint(body, uint64(code))
		body = protowire.AppendTag(body, 2, protowire.BytesType)
		body = protowire.AppendString(body, msg)
	}
	if status == http.StatusInternalServerError {
		h.Log.Error("ingest request failed", "status", status, "msg", msg)
	} else {
		// Refusals and 503s during an outage are counted in /metrics; one
		// log line each would flood the log at fleet scale.
		h.Log.Debug("ingest request refused", "status", status, "msg", msg)
	}
	w.Header().Set("Content-Type", enc.ContentType())
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}
