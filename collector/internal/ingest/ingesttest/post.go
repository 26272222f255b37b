package ingesttest

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// Post sends req to a collector's /v1/metrics as an agent does (protobuf,
// gzip when gz is set, bearer token) and fails the test unless it is
// answered 200 with an OTLP response, which it returns.
func Post(tb testing.TB, url, token string, req *colmetricpb.ExportMetricsServiceRequest, gz bool) *colmetricpb.ExportMetricsServiceResponse {
	tb.Helper()
	httpReq, err := http.NewRequest(http.MethodPost, url+"/v1/metrics", bytes.NewReader(Protobuf(req, gz)))
	if err != nil {
		tb.Fatal(err)
	}
	httpReq.Header.Set("Content-Type", "application/x-protobuf")
	if gz {
		httpReq.Header.Set("Content-Encoding", "gzip")
	}
	httpReq.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(httpReq)
	if err != nil {
		tb.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("collector answered %d: %s", resp.StatusCode, body)
	}
	var out colmetricpb.ExportMetricsServiceResponse
	if err := proto.Unmarshal(body, &out); err != nil {
		tb.Fatalf("collector response: %v", err)
	}
	return &out
}
