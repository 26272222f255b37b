package agentsim

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// TryPost sends req to a collector's /v1/metrics as an agent does
// (protobuf, gzip when gz is set, bearer token when token is set) and
// returns the HTTP status and body; status 0 means no answer.
func TryPost(url, token string, req *colmetricpb.ExportMetricsServiceRequest, gz bool) (int, []byte) {
	httpReq, err := http.NewRequest(http.MethodPost, url+"/v1/metrics", bytes.NewReader(Protobuf(req, gz)))
	if err != nil {
		return 0, []byte(err.Error())
	}
	httpReq.Header.Set("Content-Type", "application/x-protobuf")
	if gz {
		httpReq.Header.Set("Content-Encoding", "gzip")
	}
	if token != "" {
		httpReq.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// Post is TryPost that fails the test unless the collector answered 200
// with an OTLP response, which it returns.
func Post(tb testing.TB, url, token string, req *colmetricpb.ExportMetricsServiceRequest, gz bool) *colmetricpb.ExportMetricsServiceResponse {
	tb.Helper()
	status, body := TryPost(url, token, req, gz)
	if status != http.StatusOK {
		tb.Fatalf("collector answered %d: %s", status, body)
	}
	var out colmetricpb.ExportMetricsServiceResponse
	if err := proto.Unmarshal(body, &out); err != nil {
		tb.Fatalf("collector response: %v", err)
	}
	return &out
}
