// Command gen writes the Grafana dashboards of package dashboards as JSON
// into dashboards/json (or the folder given with -out), and the generated
// part of docs/dashboards.md (-docs; "" leaves it).
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
	docs := flag.String("docs", "docs/dashboards.md", "the dashboards' documentation, rewritten below its marker line")
	flag.Parse()
	if err := run(*out, *docs); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(out, docs string) error {
	if err := dashboards.Write(out); err != nil {
		return err
	}
	for _, d := range dashboards.All() {
		fmt.Println(out + "/" + d.File)
	}
	if docs == "" {
		return nil
	}
	current, err := os.ReadFile(docs)
	if err != nil {
		return err
	}
	text, err := dashboards.Docs(current)
	if err != nil {
		return err
	}
	if err := os.WriteFile(docs, text, 0o644); err != nil {
		return err
	}
	fmt.Println(docs)
	return nil
}
