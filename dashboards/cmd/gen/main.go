// Command gen writes the Grafana dashboards of package dashboards as JSON
// into dashboards/json (or the folder given with -out).
//
//	go run ./dashboards/cmd/gen
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kretslopp/kretslopp/dashboards"
)

func main() {
	out := flag.String("out", "dashboards/json", "folder for the dashboard JSON files")
	flag.Parse()
	if err := dashboards.Write(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	for _, d := range dashboards.All() {
		fmt.Println(*out + "/" + d.File)
	}
}
