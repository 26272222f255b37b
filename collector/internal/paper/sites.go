package paper

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/kretslopp/kretslopp/collector/internal/meetings"
)

// SiteMap groups printers into sites (or printer groups) for the PaperCut
// import: a CSV file `printer,site` (Swedish `skrivare,enhet`/`plats` too).
// Printer names match without regard to case, as Windows treats them.
type SiteMap struct {
	File  string
	sites map[string]string // lower-cased printer -> site
}

// Site is the site of a printer.
func (m *SiteMap) Site(printer string) (string, bool) {
	s, ok := m.sites[strings.ToLower(printer)]
	return s, ok
}

// Len is the number of printers in the map.
func (m *SiteMap) Len() int { return len(m.sites) }

// ReadSiteMap reads a site map. Every bad row is reported; a map with any
// is refused, since a wrong map would put a printer's paper on the wrong
// site.
func ReadSiteMap(ctx context.Context, r io.Reader, file string) (*SiteMap, error) {
	t, err := meetings.NewTable(r, meetings.TableOptions{File: file})
	if err != nil {
		return nil, err
	}
	pi, err := t.Require("printer", "printer name", "skrivare", "skrivarnamn", "queue")
	if err != nil {
		return nil, err
	}
	si, err := t.Require(printSiteNames...)
	if err != nil {
		return nil, err
	}
	m := &SiteMap{File: file, sites: map[string]string{}}
	lines := map[string]int{}
	st, err := t.ReadRows(ctx, 20, func() *RowError {
		p, err := parseName(t.Cell(pi))
		if err != nil {
			return t.ErrAt(pi, err.Error())
		}
		s, err := parseName(t.Cell(si))
		if err != nil {
			return t.ErrAt(si, err.Error())
		}
		k := strings.ToLower(p)
		if l, dup := lines[k]; dup {
			return t.ErrAt(pi, fmt.Sprintf("is already on line %d", l))
		}
		lines[k] = t.Line()
		m.sites[k] = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := meetings.RowErrors(file, st.BadRows, st.Errors); err != nil {
		return nil, err
	}
	return m, nil
}
