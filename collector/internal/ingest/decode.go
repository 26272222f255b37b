package ingest

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"sync"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// Encoding is the body format of an OTLP/HTTP request and its response.
type Encoding int

const (
	Protobuf Encoding = iota
	JSON
)

// ContentType returns the media type for the encoding.
func (e Encoding) ContentType() string {
	if e == JSON {
		return "application/json"
	}
	return "application/x-protobuf"
}

// requestError carries the HTTP status a decode failure maps to.
type requestError struct {
	status int
	err    error
}

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

func badRequest(status int, format string, args ...any) error {
	return &requestError{status: status, err: fmt.Errorf(format, args...)}
}

// StatusOf returns the HTTP status for a decode error (400 if unknown).
func StatusOf(err error) int {
	var re *requestError
	if errors.As(err, &re) {
		return re.status
	}
	return http.StatusBadRequest
}

// encodingOf reads the Content-Type header.
func encodingOf(contentType string) (Encoding, error) {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return Protobuf, badRequest(http.StatusUnsupportedMediaType, "content type %q is not valid; use application/x-protobuf or application/json", contentType)
	}
	switch mediaType {
	case "application/x-protobuf", "application/protobuf":
		return Protobuf, nil
	case "application/json":
		return JSON, nil
	}
	return Protobuf, badRequest(http.StatusUnsupportedMediaType, "content type %q is not supported; use application/x-protobuf or application/json", mediaType)
}

// errBusy means the request found no room in ingest.max_inflight_bytes.
var errBusy = errors.New("no room in flight")

// readBody reads the body, decompressing gzip, and refuses more than max
// bytes after decompression so that a gzip bomb costs no more memory than
// an honest request. The buffer grows only as far as l lets it (errBusy
// when it cannot); nil l means no bound.
func readBody(body io.Reader, contentEncoding string, limit int64, l *lease) ([]byte, error) {
	switch contentEncoding {
	case "", "identity":
	case "gzip":
		// A gzip reader allocates ~40 KB of tables; reuse them.
		zr, _ := gzipReaders.Get().(*gzip.Reader)
		var err error
		if zr == nil {
			zr, err = gzip.NewReader(body)
		} else {
			err = zr.Reset(body)
		}
		if err != nil {
			return nil, badRequest(http.StatusBadRequest, "gzip body: %v", err)
		}
		defer gzipReaders.Put(zr)
		body = zr
	default:
		return nil, badRequest(http.StatusUnsupportedMediaType, "content encoding %q is not supported; use gzip or none", contentEncoding)
	}
	if l == nil {
		l = (&Inflight{max: math.MaxInt64}).lease(0)
	}
	// The lease holds the larger of the buffer and outputSlack (reserve).
	buf := make([]byte, 0, max(min(l.n, limit), 512))
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= limit {
				// Full: one more byte means too large.
				var one [1]byte
				if n, _ := io.ReadFull(body, one[:]); n > 0 {
					return nil, badRequest(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes after decompression", limit)
				}
				break
			}
			grown := min(limit, int64(cap(buf))*2)
			if !l.growTo(max(grown, outputSlack)) {
				return nil, errBusy
			}
			nb := make([]byte, len(buf), grown) // exactly what the lease holds
			copy(nb, buf)
			buf = nb
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, badRequest(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes", tooLarge.Limit)
			}
			return nil, badRequest(http.StatusBadRequest, "reading body: %v", err)
		}
	}
	return buf, nil
}

var gzipReaders sync.Pool

var jsonOptions = protojson.UnmarshalOptions{DiscardUnknown: true}

// Decode parses an OTLP ExportMetricsServiceRequest body.
func Decode(data []byte, enc Encoding) (*colmetricpb.ExportMetricsServiceRequest, error) {
	req := &colmetricpb.ExportMetricsServiceRequest{}
	var err error
	if enc == JSON {
		err = jsonOptions.Unmarshal(data, req)
	} else {
		err = proto.Unmarshal(data, req)
	}
	if err != nil {
		return nil, badRequest(http.StatusBadRequest, "malformed OTLP %s body: %v", map[Encoding]string{Protobuf: "protobuf", JSON: "JSON"}[enc], err)
	}
	return req, nil
}
