package hostile

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kretslopp/kretslopp/collector/internal/influxtest"
	"github.com/kretslopp/kretslopp/internal/testkit"
	"github.com/kretslopp/kretslopp/internal/testkit/agentsim"
)

func TestMain(m *testing.M) { os.Exit(influxtest.Main(m)) }

// Two sites with tokens of their own; the attacker holds Rinkeby's.
const (
	rinkebyToken   = "rinkeby-token-0123456789abcdef"
	vallingbyToken = "vallingby-token-0123456789abcdef"
)

var tokenLines = []string{
	"rinkeby   Rinkeby skola   " + rinkebyToken,
	"vallingby Vällingby skola " + vallingbyToken,
}

// start runs the collector with its default settings (no lifecycle
// refresh; yaml adds to them) against db, with the two sites' tokens.
func start(t *testing.T, db *influxtest.DB, yaml string) *testkit.RunningCollector {
	t.Helper()
	return testkit.StartCollector(t, db.DB, testkit.CollectorOptions{AgentTokens: tokenLines, YAML: "lifecycle_interval: 0s\n" + yaml})
}

type answer struct {
	status int
	body   []byte
	header http.Header
}

// partial is the OTLP response of a 200.
func (a answer) partial(t *testing.T) *colmetricpb.ExportMetricsPartialSuccess {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("status %d (%s), want 200", a.status, a.body)
	}
	var resp colmetricpb.ExportMetricsServiceResponse
	if err := proto.Unmarshal(a.body, &resp); err != nil {
		t.Fatal(err)
	}
	return resp.GetPartialSuccess()
}

// post sends req as an agent does (protobuf, gzip, bearer token).
func post(t *testing.T, url, token string, req *colmetricpb.ExportMetricsServiceRequest) answer {
	t.Helper()
	return postBody(t, url, token, agentsim.Protobuf(req, true))
}

func postBody(t *testing.T, url, token string, gz []byte) answer {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, url+"/v1/metrics", bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-protobuf")
	r.Header.Set("Content-Encoding", "gzip")
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, body, resp.Header}
}

// metric sums the collector's /metrics series called name whose labels
// contain every one of labels (name="value").
func metric(t *testing.T, c *testkit.RunningCollector, name string, labels ...string) float64 {
	t.Helper()
	_, body := c.Get(t, "/metrics")
	sum := 0.0
	line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `(\{[^}]*\})? (\S+)$`)
	for _, m := range line.FindAllStringSubmatch(body, -1) {
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(m[1], l)
		}
		if ok {
			v, _ := strconv.ParseFloat(m[2], 64)
			sum += v
		}
	}
	return sum
}

// count runs an InfluxQL query whose first value is a number.
func count(t *testing.T, db *influxtest.DB, q string) int {
	t.Helper()
	series := db.Query(t, q)
	if len(series) == 0 || len(series[0].Values) == 0 {
		return 0
	}
	n := 0
	for _, v := range series[0].Values {
		f, _ := v[len(v)-1].(float64)
		n += int(f)
	}
	return n
}

// devices is how many device IDs InfluxDB has series for.
func devices(t *testing.T, db *influxtest.DB) int {
	t.Helper()
	return count(t, db, `SHOW TAG VALUES EXACT CARDINALITY FROM "device_daily" WITH KEY = "device_id"`)
}

func must(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}
