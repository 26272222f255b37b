package meetings

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// TableOptions adjusts NewTable.
type TableOptions struct {
	// File names the input in messages.
	File string
	// Header names the columns of a file that has no header row. With
	// IsData unset, every line of the file is data. With IsData set, the
	// file has a header row unless IsData accepts the first cell of its
	// first row. Without Header, the first row is the header.
	Header []string
	IsData func(firstCell string) bool
	// TabSeparated reads a tab-separated log instead of CSV: one row per
	// line, fields split at every tab, no quoting (a '"' is an ordinary
	// character). A trailing carriage return is dropped.
	TabSeparated bool
	// ExtraFields lets a row have more fields than the header names; the
	// extra ones are not read. Rows with fewer fields are rejected.
	ExtraFields bool
}

// Table is the row reader every CSV import shares (meetings, inventory,
// printing, mail): columns found by header name in any order (case, spaces
// and punctuation ignored), a UTF-8 byte order mark skipped, one row in
// memory at a time, and every rejected row a *RowError that names file,
// line, column, header name and value.
type Table struct{ t *table }

// NewTable reads the header (unless opts say the file has none) and
// returns the table positioned before the first data row. A file that
// cannot be used at all (empty where a header is needed, not CSV) gives a
// *RowError.
func NewTable(r io.Reader, opts TableOptions) (*Table, error) {
	if opts.File == "" {
		opts.File = "<input>"
	}
	t, err := newTableOpts(r, opts)
	if err != nil {
		return nil, err
	}
	return &Table{t}, nil
}

// Header is the column names, as written in the file or given.
func (t *Table) Header() []string { return t.t.header }

// Col is the index of the first column whose header is one of names
// (compared after lower-casing and folding punctuation to spaces), or -1.
func (t *Table) Col(names ...string) int { return t.t.col(names...) }

// Require is Col for a column the format cannot do without; the error
// names the first of names and the header found.
func (t *Table) Require(names ...string) (int, error) { return t.t.require(names...) }

// Cell is the trimmed value of column i in the current row ("" for -1).
func (t *Table) Cell(i int) string { return t.t.cell(i) }

// Line is the line of the current row.
func (t *Table) Line() int { return t.t.line }

// ErrAt rejects the current row for the value in column i.
func (t *Table) ErrAt(i int, msg string) *RowError { return t.t.errAt(i, msg) }

// ErrRow rejects the current row as a whole.
func (t *Table) ErrRow(msg string) *RowError {
	return &RowError{File: t.t.file, Line: t.t.line, Msg: msg}
}

// RowStats counts what ReadRows saw.
type RowStats struct {
	Rows    int         // data rows, blank rows excluded
	BadRows int         // rows rejected
	Errors  []*RowError // the first maxErrors rejected rows, in file order
}

// ReadRows calls row for every row that is not blank. A row that cannot
// be split into fields, or that row rejects, is counted in BadRows and
// kept in Errors (the first maxErrors of them); reading goes on. The error
// return is for a failed read or a cancelled ctx.
func (t *Table) ReadRows(ctx context.Context, maxErrors int, row func() *RowError) (RowStats, error) {
	var st RowStats
	for {
		err := t.t.next()
		if errors.Is(err, io.EOF) {
			return st, nil
		}
		if err == nil && t.t.blank() {
			continue
		}
		st.Rows++
		if st.Rows%4096 == 0 {
			if cerr := ctx.Err(); cerr != nil {
				return st, fmt.Errorf("%s: %w", t.t.file, cerr)
			}
		}
		var re *RowError
		if err == nil {
			re = row()
		} else if !errors.As(err, &re) {
			return st, err
		}
		if re != nil {
			st.BadRows++
			if len(st.Errors) < maxErrors {
				st.Errors = append(st.Errors, re)
			}
		}
	}
}

// maxLine bounds one line of a tab-separated log.
const maxLine = 1 << 20

// tsvSource splits a tab-separated log into rows: one per line, fields at
// every tab, no quoting. The line is converted to a string once and the
// fields are slices of it, so a row costs one allocation.
type tsvSource struct {
	br     *bufio.Reader
	lineNo int
	row    []string
	long   []byte
}

func (s *tsvSource) read() ([]string, error) {
	for {
		row, err := s.readLine()
		if err != nil || len(row) > 1 || row[0] != "" {
			return row, err
		}
		// an empty line, skipped as encoding/csv skips them
	}
}

func (s *tsvSource) readLine() ([]string, error) {
	b, err := s.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// A line longer than the buffer: collect it, up to maxLine.
		s.long = append(s.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = s.br.ReadSlice('\n')
			if len(s.long) < maxLine {
				s.long = append(s.long, b...)
			}
		}
		if len(s.long) >= maxLine {
			s.lineNo++
			if err != nil && !errors.Is(err, io.EOF) {
				return nil, err
			}
			return nil, &RowError{Line: s.lineNo, Msg: fmt.Sprintf("is longer than %d bytes", maxLine)}
		}
		b = s.long
	}
	if len(b) == 0 && err != nil {
		return nil, err // io.EOF or a read error
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	s.lineNo++
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	line := string(b)
	s.row = s.row[:0]
	for {
		i := strings.IndexByte(line, '\t')
		if i < 0 {
			s.row = append(s.row, line)
			return s.row, nil
		}
		s.row = append(s.row, line[:i])
		line = line[i+1:]
	}
}

func (s *tsvSource) fieldLine(int) int { return s.lineNo }

// ErrEmpty is the reason given for an empty cell where a value is required.
var ErrEmpty = errEmpty

// ParseCount reads a whole non-negative number ("12"; "12.0" too, as some
// exports write counts); an empty cell gives ok=false.
func ParseCount(s string) (n int64, ok bool, err error) { return parseCount(s) }

// ParseDay reads YYYY-MM-DD (a time of day after it is ignored) as 00:00
// UTC of that day, rejecting dates before 2000 and in the future (after
// now plus two days, for time zones).
func ParseDay(s string, now time.Time) (time.Time, error) { return parseDay(s, false, now) }

// Earliest is the first day any import accepts; anything before is a typo.
func Earliest() time.Time { return earliest }
