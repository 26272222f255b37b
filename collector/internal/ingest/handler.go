// Package ingest is the collector's OTLP/HTTP metrics receiver: it checks
// the bearer token, decodes protobuf or JSON (gzip or not, bounded after
// decompression), maps the agent's metrics to the device and battery
// measurements, and answers only after InfluxDB accepted the points.
package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
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
	requests       metric.Int64Counter
	duration       metric.Float64Histogram
	pointsWritten  metric.Int64Counter
	rejected       metric.Int64Counter
	writeErrors    metric.Int64Counter
	batchLatency   metric.Float64Histogram
	batchLines     metric.Int64Histogram
	budgets        metric.Int64Counter
	newDevices     metric.Int64Counter
	forbidden      metric.Int64Counter
	influxLimits   metric.Int64Counter
	influxRefused  metric.Int64Counter
	inflight       metric.Int64ObservableGauge
	devices        metric.Int64ObservableGauge
	deviceTable    func() int
	inflightSource func() int64
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
	if m.budgets, err = meter.Int64Counter("kretslopp.ingest.budget.exceeded", metric.WithDescription("requests that went over a budget, by budget (max_resources, max_labels, new_devices_per_hour, max_devices, max_inflight_bytes, max_decoded_bytes, max_output_bytes)")); err != nil {
		return nil, err
	}
	if m.newDevices, err = meter.Int64Counter("kretslopp.ingest.devices.new", metric.WithDescription("device IDs never seen before, bound to the agent token that reported them, by token name")); err != nil {
		return nil, err
	}
	if m.forbidden, err = meter.Int64Counter("kretslopp.ingest.devices.forbidden", metric.WithDescription("device reports refused (403) because the device belongs to another agent token, by the presenting token's name")); err != nil {
		return nil, err
	}
	if m.influxLimits, err = meter.Int64Counter("kretslopp.influx.limit.errors", metric.WithDescription("writes InfluxDB refused because of its own limits (max-values-per-tag, series); answered 503, the agents keep the data")); err != nil {
		return nil, err
	}
	if m.influxRefused, err = meter.Int64Counter("kretslopp.influx.points.refused", metric.WithDescription("points InfluxDB refused as bad data, found by splitting the write")); err != nil {
		return nil, err
	}
	if m.inflight, err = meter.Int64ObservableGauge("kretslopp.ingest.inflight.bytes", metric.WithDescription("request bytes (decompressed) held by requests in flight; ingest.max_inflight_bytes bounds it")); err != nil {
		return nil, err
	}
	if m.devices, err = meter.Int64ObservableGauge("kretslopp.ingest.devices", metric.WithDescription("devices in the collector's device table; ingest.max_devices bounds it")); err != nil {
		return nil, err
	}
	if _, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		if m.inflightSource != nil {
			o.ObserveInt64(m.inflight, m.inflightSource())
		}
		if m.deviceTable != nil {
			o.ObserveInt64(m.devices, int64(m.deviceTable()))
		}
		return nil
	}, m.inflight, m.devices); err != nil {
		return nil, err
	}
	// Counters the alerts rate() exist from the start, at 0.
	ctx := context.Background()
	m.writeErrors.Add(ctx, 0)
	m.influxLimits.Add(ctx, 0)
	m.influxRefused.Add(ctx, 0)
	return &m, nil
}

// Observe makes the gauges read the handler's in-flight bytes and device
// table.
func (m *Metrics) Observe(inflight *Inflight, registry *Registry) {
	if inflight != nil {
		m.inflightSource = inflight.Bytes
	}
	if registry != nil {
		m.deviceTable = registry.Len
	}
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

func (m *Metrics) budget(ctx context.Context, name string, n int) {
	m.budgets.Add(ctx, int64(n), metric.WithAttributeSet(attribute.NewSet(attribute.String("budget", name))))
}

// Handler serves POST /v1/metrics.
type Handler struct {
	Tokens    *auth.Tokens
	RateLimit *RateLimiter
	Batcher   *Batcher
	// Registry binds devices to tokens and holds the new-device budget;
	// nil admits every device (unit tests).
	Registry *Registry
	// Inflight bounds the bytes of all requests in flight; nil: no bound.
	Inflight *Inflight
	Metrics  *Metrics
	Log      *slog.Logger
	// MaxBodyBytes bounds a body after decompression.
	MaxBodyBytes int64
	// MaxResources, MaxLabels, MaxAge: see MapOptions.
	MaxResources, MaxLabels int
	MaxAge                  time.Duration
	WriteTimeout            time.Duration
	RetryAfter              time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	limitLog  everyMinute
	slotsOnce sync.Once
	slots     chan struct{}
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

// Bounds of what a request may cost beyond its body. The decoded request
// (decodeCost, estimated before decoding) may take at most decodedFactor
// times the largest body, and at most decodeSlots requests are decoded
// and mapped at once (the work is CPU-bound; more at once only holds more
// memory). The line protocol a request expands to may be at most
// outputFactor times its body plus outputSlack, which every request holds
// in flight from the start (reserve). An agent's report stays far below
// these; a request built to expand (thousands of tiny messages, a long
// label on every one of thousands of timestamps) is refused with 413
// before it costs the memory. Together with ingest.max_inflight_bytes
// they bound the heap: see MemoryBound.
const (
	decodedFactor = 4
	outputFactor  = 3
	outputSlack   = 64 << 10
)

// DecodeSlots is how many requests are decoded and mapped at once.
func DecodeSlots() int { return min(4, max(2, runtime.GOMAXPROCS(0))) }

// MemoryBound is the most heap the receiver's requests can hold at once
// for these settings: the bodies in flight, the line protocol they expand
// to, and the requests being decoded.
func MemoryBound(maxInflight, maxBody int64) int64 {
	return maxInflight*(1+outputFactor) + int64(DecodeSlots())*decodedFactor*maxBody
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, enc *Encoding) (status, rejected int) {
	ctx := r.Context()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return h.fail(w, *enc, http.StatusMethodNotAllowed, "use POST"), 0
	}
	id, ok := h.Tokens.Check(w, r, "kretslopp")
	if !ok {
		msg := "invalid bearer token"
		if auth.Bearer(r) == "" {
			msg = "missing bearer token (Authorization: Bearer …)"
		}
		return h.fail(w, *enc, http.StatusUnauthorized, msg), 0
	}
	if ok, wait := h.RateLimit.Allow(id.Name); !ok {
		setRetryAfter(w, wait)
		return h.fail(w, *enc, http.StatusTooManyRequests, "too many requests for this token; retry later"), 0
	}
	var err error
	if *enc, err = encodingOf(r.Header.Get("Content-Type")); err != nil {
		return h.fail(w, *enc, StatusOf(err), err.Error()), 0
	}
	if r.ContentLength > h.MaxBodyBytes {
		return h.fail(w, *enc, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body of %d bytes exceeds %d", r.ContentLength, h.MaxBodyBytes)), 0
	}
	if h.Registry != nil && !h.Registry.Ready() {
		setRetryAfter(w, h.RetryAfter)
		return h.fail(w, *enc, http.StatusServiceUnavailable, "the collector is still loading its device table from InfluxDB; keep the data and retry"), 0
	}
	gz := r.Header.Get("Content-Encoding") == "gzip"
	lease := h.reserve(r.ContentLength, gz)
	if lease == nil {
		h.Metrics.budget(ctx, "max_inflight_bytes", 1)
		setRetryAfter(w, h.RetryAfter)
		return h.fail(w, *enc, http.StatusServiceUnavailable, "ingest.max_inflight_bytes: the collector holds as many requests as it may; keep the data and retry"), 0
	}
	defer lease.release()
	body := http.MaxBytesReader(w, r.Body, h.MaxBodyBytes)
	data, err := readBody(body, r.Header.Get("Content-Encoding"), h.MaxBodyBytes, lease)
	if errors.Is(err, errBusy) {
		h.Metrics.budget(ctx, "max_inflight_bytes", 1)
		setRetryAfter(w, h.RetryAfter)
		return h.fail(w, *enc, http.StatusServiceUnavailable, "ingest.max_inflight_bytes: the collector holds as many requests as it may; keep the data and retry"), 0
	}
	if err != nil {
		return h.fail(w, *enc, StatusOf(err), err.Error()), 0
	}
	h.slotsOnce.Do(func() { h.slots = make(chan struct{}, DecodeSlots()) })
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return h.fail(w, *enc, http.StatusServiceUnavailable, "request cancelled while waiting to be decoded"), 0
	}
	slotHeld := true
	releaseSlot := func() {
		if slotHeld {
			<-h.slots
			slotHeld = false
		}
	}
	defer releaseSlot()
	maxDecoded := decodedFactor * h.MaxBodyBytes
	var cost int64
	if *enc == JSON {
		cost = jsonDecodeCost(data)
	} else {
		cost = decodeCost(data, maxDecoded)
	}
	if cost > maxDecoded {
		h.Metrics.budget(ctx, "max_decoded_bytes", 1)
		return h.fail(w, *enc, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request holds too many OTLP messages (data points, attributes) for its size: decoded it would take over %d bytes; send fewer per request", maxDecoded)), 0
	}
	req, err := Decode(data, *enc)
	if err != nil {
		return h.fail(w, *enc, StatusOf(err), err.Error()), 0
	}
	maxOutput := outputFactor*len(data) + outputSlack
	data = nil //nolint:ineffassign // the body is garbage from here; the decoded request holds copies

	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	opts := MapOptions{Now: now, MaxAge: h.MaxAge, MaxResources: h.MaxResources, MaxLabels: h.MaxLabels, Token: id}
	if h.Registry != nil {
		opts.Admit = func(deviceID string) Admission {
			adm := h.Registry.Admit(id, deviceID)
			switch {
			case adm.New:
				h.Metrics.newDevices.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(attribute.String("token", id.Name))))
			case adm.Refused != nil && adm.Refused.Status == http.StatusForbidden:
				h.Metrics.forbidden.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(attribute.String("token", id.Name))))
			case adm.Refused != nil:
				h.Metrics.budget(ctx, adm.Refused.Budget, 1)
			}
			return adm
		}
	}
	var lines []byte
	nLines, encodeErrs := 0, 0
	mapped, err := MapTo(req, opts, func(p influx.Point) error {
		next, err := p.AppendLine(lines)
		if err != nil {
			encodeErrs++ // the checks at the door should leave none
			h.Log.Warn("point not encodable", "measurement", p.Measurement, "err", err)
			return nil
		}
		if len(next) > maxOutput {
			return errTooLarge
		}
		lines = next
		nLines++
		return nil
	})
	req = nil //nolint:ineffassign // let the decoded request go while InfluxDB writes
	releaseSlot()
	if errors.Is(err, errTooLarge) {
		h.Metrics.budget(ctx, "max_output_bytes", 1)
		return h.fail(w, *enc, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request expands to over %d bytes of points (many timestamps with long tags); send fewer per request", maxOutput)), 0
	}
	for name, n := range mapped.Budgets {
		h.Metrics.budget(ctx, name, n)
	}
	if encodeErrs > 0 {
		mapped.reject(encodeErrs, "%d points could not be encoded as line protocol", encodeErrs)
	}
	if nLines > 0 {
		wctx, cancel := context.WithTimeout(ctx, h.WriteTimeout)
		refused, err := h.Batcher.WriteLines(wctx, lines, nLines)
		cancel()
		switch {
		case err != nil && influx.IsLimit(err):
			h.Metrics.influxLimits.Add(ctx, 1)
			if n, ok := h.limitLog.ok(); ok {
				h.Log.Error("InfluxDB refuses writes because of one of its limits; agents keep their reports (503) until an operator acts (docs/operations.md#kretsloppinfluxlimit)", "err", err, "more_since_last_log", n)
			}
			setRetryAfter(w, h.RetryAfter)
			return h.fail(w, *enc, http.StatusServiceUnavailable, "InfluxDB refuses the points because of one of its limits (series or tag values); keep the data and retry"), 0
		case err != nil:
			setRetryAfter(w, h.RetryAfter)
			return h.fail(w, *enc, http.StatusServiceUnavailable, "InfluxDB did not accept the write; keep the data and retry"), 0
		}
		if len(refused) > 0 {
			h.Metrics.influxRefused.Add(ctx, int64(len(refused)))
			h.Log.Warn("influxdb refused points of a report", "refused", len(refused), "first", refused[0].String())
			for _, rf := range refused {
				mapped.reject(1, "InfluxDB refused a point: %s", rf.String())
			}
		}
		h.Metrics.pointsWritten.Add(ctx, int64(nLines-len(refused)))
		if h.Registry != nil {
			h.Registry.Confirm(mapped.Bound)
		}
	}
	if len(mapped.Devices) > 0 {
		return h.refuseDevices(w, *enc, mapped.Devices), 0
	}
	resp := &colmetricpb.ExportMetricsServiceResponse{}
	if msg := mapped.Message(); mapped.Rejected > 0 || msg != "" {
		resp.PartialSuccess = &colmetricpb.ExportMetricsPartialSuccess{
			RejectedDataPoints: int64(mapped.Rejected),
			ErrorMessage:       msg,
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

// reserve takes the request's first share of the in-flight bytes, before
// its body is read: its length, or for gzip four times it (OTLP protobuf
// compresses about that well), at least outputSlack; readBody takes more
// as the body grows.
func (h *Handler) reserve(contentLength int64, gz bool) *lease {
	if h.Inflight == nil {
		return (&Inflight{max: math.MaxInt64}).lease(0)
	}
	n := int64(outputSlack)
	if contentLength > 0 {
		n = contentLength
		if gz {
			n = 4 * contentLength
		}
	}
	return h.Inflight.lease(min(max(n, outputSlack), h.MaxBodyBytes))
}

// refuseDevices answers a request whose devices (some or all) could not be
// written: 403 when one belongs to another token, else 429 with the
// shortest wait. The devices that were admitted are written already; the
// agent sends them again with the rest, which overwrites the same points.
func (h *Handler) refuseDevices(w http.ResponseWriter, enc Encoding, devs []*DeviceError) int {
	status, wait := http.StatusTooManyRequests, time.Duration(0)
	for _, d := range devs {
		if d.Status == http.StatusForbidden {
			status = http.StatusForbidden
		} else if wait == 0 || d.RetryAfter < wait {
			wait = d.RetryAfter
		}
	}
	var msgs []string
	for _, d := range devs {
		if d.Status == status && len(msgs) < 3 {
			msgs = append(msgs, d.Error())
		}
	}
	if len(devs) > len(msgs) {
		msgs = append(msgs, fmt.Sprintf("%d devices in all", len(devs)))
	}
	if status == http.StatusTooManyRequests {
		setRetryAfter(w, wait)
	}
	return h.fail(w, enc, status, strings.Join(msgs, "; "))
}

func setRetryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(d.Seconds(), 1)))))
}

// everyMinute lets one log line through a minute and counts the others.
type everyMinute struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func (e *everyMinute) ok() (suppressed int, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if now := time.Now(); now.Sub(e.last) >= time.Minute {
		n := e.suppressed
		e.last, e.suppressed = now, 0
		return n, true
	}
	e.suppressed++
	return 0, false
}

// grpcCode maps an HTTP status to the google.rpc.Status code OTLP uses.
var grpcCode = map[int]int32{
	http.StatusBadRequest:            3,  // INVALID_ARGUMENT
	http.StatusUnauthorized:          16, // UNAUTHENTICATED
	http.StatusMethodNotAllowed:      12, // UNIMPLEMENTED
	http.StatusRequestEntityTooLarge: 8,  // RESOURCE_EXHAUSTED
	http.StatusUnsupportedMediaType:  3,
	http.StatusTooManyRequests:       8,
	http.StatusForbidden:             7,  // PERMISSION_DENIED
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
