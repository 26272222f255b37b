package meetings

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// RowError is one rejected row (or header) of a CSV file. It names the file,
// the 1-based line and, when one column is at fault, that column by number
// and by its header name.
type RowError struct {
	File   string // file name as given to Decode (Options.File)
	Line   int    // 1-based line in the file; the header is line 1
	Column int    // 1-based column, 0 when the whole row is at fault
	Field  string // header name of the column, "" when none
	Value  string // the offending value, "" when none
	Msg    string // what is wrong
}

func (e *RowError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	fmt.Fprintf(&b, ":%d", e.Line)
	if e.Column > 0 {
		fmt.Fprintf(&b, ":%d", e.Column)
	}
	b.WriteString(": ")
	if e.Field != "" {
		fmt.Fprintf(&b, "column %q: ", e.Field)
	}
	if e.Value != "" || e.Column > 0 {
		fmt.Fprintf(&b, "value %q: ", e.Value)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// utf8BOM is the byte order mark that Microsoft 365 exports start with.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// table reads a CSV file (or a tab-separated log) row by row, keeping one
// row in memory at a time.
type table struct {
	file       string
	src        rowSource
	header     []string       // header names as written in the file (or given)
	index      map[string]int // normalized header name -> column index
	row        []string       // current row (reused between rows)
	line       int            // line of the current row
	held       bool           // row holds the first data row of a file without header
	extraOK    bool           // rows may have more fields than the header
	minFields  int            // fields a row needs when extraOK
	headerRead bool           // the file's first row was its header
}

// rowSource splits a file into rows of fields.
type rowSource interface {
	// read returns the next row, io.EOF at the end, a *csv.ParseError for
	// a row that cannot be split (the source continues after it), or
	// another error for a failed read.
	read() ([]string, error)
	// fieldLine is the line on which field i of the last row starts.
	fieldLine(i int) int
}

type csvSource struct{ cr *csv.Reader }

func (c csvSource) read() ([]string, error) { return c.cr.Read() }
func (c csvSource) fieldLine(i int) int     { l, _ := c.cr.FieldPos(i); return l }

// newTable wraps r: it drops a UTF-8 byte order mark and reads the header.
// When isData is set and accepts the first cell of the first row, the file
// has no header: that row is data and defaultHeader names the columns.
func newTable(r io.Reader, file string, defaultHeader []string, isData func(first string) bool) (*table, error) {
	return newTableOpts(r, TableOptions{File: file, Header: defaultHeader, IsData: isData})
}

func newTableOpts(r io.Reader, o TableOptions) (*table, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3)
	}
	t := &table{file: o.File, extraOK: o.ExtraFields}
	if o.TabSeparated {
		t.src = &tsvSource{br: br}
	} else {
		cr := csv.NewReader(br)
		cr.FieldsPerRecord = -1 // counted per row below, with a clearer message
		cr.ReuseRecord = true
		t.src = csvSource{cr}
	}
	if o.Header != nil && o.IsData == nil {
		// Every line is data: the columns are the given ones.
		t.setHeader(o.Header)
		return t, nil
	}
	rec, err := t.src.read()
	if errors.Is(err, io.EOF) {
		return nil, &RowError{File: o.File, Line: 1, Msg: "the file is empty; expected a header row"}
	}
	if err != nil {
		return nil, t.parseError(err)
	}
	t.line = t.src.fieldLine(0)
	if o.IsData != nil && len(rec) > 0 && o.IsData(strings.TrimSpace(rec[0])) {
		h := o.Header
		if len(rec) < len(h) {
			h = h[:len(rec)] // optional trailing columns left out
		}
		t.setHeader(h)
		t.row = rec
		t.held = true
		return t, nil
	}
	t.setHeader(rec)
	t.headerRead = true
	return t, nil
}

func (t *table) setHeader(h []string) {
	t.header = make([]string, len(h))
	t.index = make(map[string]int, len(h))
	for i, name := range h {
		name = strings.TrimSpace(name)
		t.header[i] = name
		key := normalize(name)
		if _, dup := t.index[key]; !dup && key != "" {
			t.index[key] = i
		}
	}
	t.minFields = len(h)
}

// next advances to the next row. It returns io.EOF at the end, a *RowError
// for a row that cannot be split into fields (the reader continues after it),
// or another error for a failed read.
func (t *table) next() error {
	if t.held {
		t.held = false
		return t.checkWidth()
	}
	rec, err := t.src.read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return io.EOF
		}
		var pe *csv.ParseError
		var re *RowError
		switch {
		case errors.As(err, &pe):
			t.row = nil
			return t.parseError(err)
		case errors.As(err, &re):
			t.row = nil
			re.File = t.file
			return re
		}
		return fmt.Errorf("%s: read: %w", t.file, err)
	}
	t.row = rec
	t.line = t.src.fieldLine(0)
	return t.checkWidth()
}

func (t *table) checkWidth() error {
	if t.extraOK {
		if len(t.row) < t.minFields {
			return &RowError{File: t.file, Line: t.line, Msg: fmt.Sprintf("has %d fields, expected at least %d", len(t.row), t.minFields)}
		}
		return nil
	}
	if len(t.row) != len(t.header) {
		return &RowError{File: t.file, Line: t.line, Msg: fmt.Sprintf("has %d fields, the header has %d", len(t.row), len(t.header))}
	}
	return nil
}

// blank reports whether the current row has only empty cells.
func (t *table) blank() bool {
	for _, c := range t.row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (t *table) parseError(err error) *RowError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		col := pe.Column
		return &RowError{File: t.file, Line: pe.Line, Column: 0, Msg: fmt.Sprintf("not valid CSV at character %d: %v", col, pe.Err)}
	}
	return &RowError{File: t.file, Line: 1, Msg: err.Error()}
}

// col returns the index of the first column whose normalized header is one
// of names, or -1.
func (t *table) col(names ...string) int {
	for _, n := range names {
		if i, ok := t.index[normalize(n)]; ok {
			return i
		}
	}
	return -1
}

// require is col for a column the format cannot do without.
func (t *table) require(names ...string) (int, error) {
	if i := t.col(names...); i >= 0 {
		return i, nil
	}
	return -1, &RowError{File: t.file, Line: 1, Msg: fmt.Sprintf("missing column %q (header is: %s)", names[0], strings.Join(t.header, ","))}
}

// cell returns the trimmed value of column i in the current row ("" for -1).
func (t *table) cell(i int) string {
	if i < 0 || i >= len(t.row) {
		return ""
	}
	return strings.TrimSpace(t.row[i])
}

// errAt builds a RowError for column i of the current row.
func (t *table) errAt(i int, msg string) *RowError {
	e := &RowError{File: t.file, Line: t.line, Msg: msg}
	if i >= 0 && i < len(t.header) {
		e.Column = i + 1
		e.Field = t.header[i]
		e.Value = t.cell(i)
		if i < len(t.row) {
			if l := t.src.fieldLine(i); l > 0 {
				e.Line = l // a quoted field may start on a later line than the row
			}
		}
	}
	return e
}

// normalize maps a header name to a comparison key: lower case, every run
// of characters other than letters and digits replaced by one space.
// "Dial-in/out 3rd Party" and "dial_in_out_3rd_party" both give
// "dial in out 3rd party".
func normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// snake turns a header name into a field name: "Chrome OS" -> "chrome_os".
func snake(s string) string { return strings.ReplaceAll(normalize(s), " ", "_") }
