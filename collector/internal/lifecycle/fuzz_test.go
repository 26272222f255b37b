package lifecycle_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/kretslopp/kretslopp/collector/internal/lifecycle"
	"github.com/kretslopp/kretslopp/internal/schema"
)

// FuzzDecodeInventory: any input gives either an error or a result whose
// rejected rows all name the file and a line, and whose items all have a
// serial and turn into points that InfluxDB accepts.
func FuzzDecodeInventory(f *testing.F) {
	for _, name := range []string{"testdata/inventory.csv", "testdata/inventory-bad.csv", "testdata/inventory-report.csv"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\xef\xbb\xbfserial,price\nA,\"1 000,50 kr\"\n"))
	f.Add([]byte("serial,tco generation,tco certified\nA,9,no\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := lifecycle.DecodeInventory(context.Background(), bytes.NewReader(data), lifecycle.InventoryOptions{File: "f.csv", Now: decodeNow})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.csv:") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		for _, e := range res.Errors {
			if e.File != "f.csv" || e.Line < 1 {
				t.Fatalf("error without position: %+v", e)
			}
		}
		for _, it := range res.Items {
			if it.Serial == "" {
				t.Fatal("item without serial")
			}
		}
		for _, p := range lifecycle.Points(res.Items) {
			if _, err := p.AppendLine(nil); err != nil {
				t.Fatalf("point not writable: %v", err)
			}
			if err := schema.Check(p.Measurement, p.Tags, p.Fields); err != nil {
				t.Fatal(err)
			}
		}
	})
}
