package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// maxRecordBytes bounds one record of an imported file: a line, or the
// lines of a quoted CSV field. Real exports have records of a few hundred
// bytes; a file without line ends (/dev/zero, a sparse file, a binary)
// stops here instead of filling the memory.
const maxRecordBytes = 1 << 20

// errInterrupted ends a read at SIGINT or SIGTERM.
var errInterrupted = errors.New("interrupted")

// openInput opens a file to import, the one place every import format
// reads through: "-" is standard input; any other name must be a regular
// file, so that a FIFO (which would block), a device such as /dev/zero
// (which never ends) or a directory is refused before a byte is read. The
// reader stops with an error naming the file and line at a record longer
// than maxRecordBytes, and when env.Interrupted closes. On a terminal a
// file over 4 MB shows a progress bar; done ends it and closes the file.
//
// csvQuotes says whether a double quote starts a quoted field that may
// span lines (CSV); in a tab-separated log such as PaperCut's it is a
// character of a document name like any other, and one record is a line.
func openInput(env *cliEnv, name string, csvQuotes bool) (r io.Reader, done func(), err error) {
	if name == "-" {
		return &recordLimit{r: &interruptible{r: os.Stdin, done: env.Interrupted}, name: "<stdin>", line: 1, start: 1, done: env.Interrupted, csvQuotes: csvQuotes}, func() {}, nil
	}
	fh, err := openRegular(name)
	if err != nil {
		return nil, nil, err
	}
	r, done = fh, func() { fh.Close() }
	if st, err := fh.Stat(); err == nil && st.Size() > 4<<20 && isTerminal(env.Stderr) {
		p := &progress{r: fh, w: env.Stderr, name: name, size: st.Size()}
		r, done = p, func() { p.done(); fh.Close() }
	}
	return &recordLimit{r: r, name: name, line: 1, start: 1, done: env.Interrupted, csvQuotes: csvQuotes}, done, nil
}

// openRegular opens name for reading if it is a regular file. The open
// itself does not block on a FIFO (openNoBlock); the file's type is read
// from the open file, so a swap after a check is no way around it.
func openRegular(name string) (*os.File, error) {
	fh, err := openNoBlock(name)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		fh.Close()
		return nil, fmt.Errorf("%s: %s, not a regular file; give a file, or - for standard input", name, kind(st.Mode()))
	}
	return fh, nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// recordLimit passes a file through and fails at a record longer than
// max bytes (with csvQuotes, lines inside double quotes count as one
// record, as CSV has it), or once done is closed.
type recordLimit struct {
	r        io.Reader
	name     string
	line     int // current line, 1-based
	start    int // line the current record began on
	n        int // bytes of the current record so far
	inQuotes bool
	// csvQuotes: double quotes delimit fields that may span lines.
	csvQuotes bool
	done      <-chan struct{}
}

func (l *recordLimit) Read(p []byte) (int, error) {
	select {
	case <-l.done:
		return 0, fmt.Errorf("%s: %w", l.name, errInterrupted)
	default:
	}
	n, err := l.r.Read(p)
	for i, c := range p[:n] {
		switch c {
		case '"':
			l.inQuotes = l.csvQuotes && !l.inQuotes
		case '\n':
			l.line++
			if !l.inQuotes {
				l.n, l.start = 0, l.line
				continue
			}
		}
		l.n++
		if l.n > maxRecordBytes {
			hint := "a line without end: is this a CSV export?"
			if l.inQuotes {
				hint = "an unclosed quote?"
			}
			return i, fmt.Errorf("%s:%d: a record longer than %d bytes (%s)", l.name, l.start, maxRecordBytes, hint)
		}
	}
	return n, err
}

// interruptible makes reads of standard input (a pipe that may never
// deliver) stop once done is closed. The blocked read is left behind; the
// process is about to end.
type interruptible struct {
	r    io.Reader
	done <-chan struct{}
}

func (s *interruptible) Read(p []byte) (int, error) {
	type result struct {
		b   []byte
		err error
	}
	ch := make(chan result, 1)
	buf := make([]byte, len(p))
	go func() {
		n, err := s.r.Read(buf)
		ch <- result{buf[:n], err}
	}()
	select {
	case r := <-ch:
		return copy(p, r.b), r.err
	case <-s.done:
		return 0, errInterrupted
	}
}
