package inventory

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseIoregText reads ioreg's text output, what users paste from
// `ioreg -rn AppleSmartBattery` or `ioreg -rd1 -c IOPlatformExpertDevice`
// without -a, into the values ParsePlist gives: one dictionary per object,
// with IOObjectClass and IORegistryEntryName taken from its `+-o` line.
// Properties pasted without their `+-o` line (the output of a grep) make
// one dictionary without a class.
//
// The format, as ioreg prints it (see the recordings in testdata): a tree
// of `+-o Name  <class Class, id …>` lines, each followed by its
// properties between `{` and `}`, one `"Key" = value` per line, indented
// by spaces and the `|` of the tree. Values are numbers (unsigned 64-bit,
// so -1 prints as 18446744073709551615), Yes and No, "strings", <hex
// data> or <"printable data">, (arrays) and {"nested"=dictionaries}, the
// nested ones written without blanks; a value ioreg cannot print is left
// empty ("AdapterPower"=,).
//
// A property line that does not parse (a value someone redacted by hand)
// is left out and named in skipped; the other lines still count.
func ParseIoregText(r io.Reader) (objs []any, skipped []string, err error) {
	sc := bufio.NewScanner(io.LimitReader(r, maxPlist))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var cur map[string]any
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimLeft(sc.Text(), " \t|\u00a0")
		switch {
		case strings.HasPrefix(line, "+-o "):
			cur = ioregHeader(strings.TrimPrefix(line, "+-o "))
			objs = append(objs, cur)
		case strings.HasPrefix(line, `"`):
			p := ioregParser{s: line}
			key, err := p.str()
			if err == nil {
				p.space()
				if !p.eat('=') {
					err = p.fail("want '=' after the key")
				}
			}
			var v any
			if err == nil {
				p.space()
				v, err = p.value(0)
			}
			if err == nil {
				p.space()
				if p.i < len(p.s) {
					err = p.fail("unexpected text after the value")
				}
			}
			if err != nil {
				skipped = append(skipped, fmt.Sprintf("line %d (%q): %v", n, key, err))
				continue
			}
			if cur == nil {
				cur = map[string]any{}
				objs = append(objs, cur)
			}
			if v != nil {
				cur[key] = v
			}
		}
		// Anything else ({, }, blank lines, a shell prompt) carries nothing.
	}
	if err := sc.Err(); err != nil {
		return nil, skipped, fmt.Errorf("ioreg text: %w", err)
	}
	if len(objs) == 0 {
		return nil, skipped, errors.New("ioreg text: no object and no property")
	}
	return objs, skipped, nil
}

// ioregHeader reads `Name  <class Class, id 0x…, …>`.
func ioregHeader(s string) map[string]any {
	d := map[string]any{}
	name, rest, _ := strings.Cut(s, "<class ")
	d["IORegistryEntryName"] = strings.TrimSpace(name)
	if class, _, ok := strings.Cut(rest, ","); ok {
		d["IOObjectClass"] = strings.TrimSpace(class)
	} else if class, _, ok := strings.Cut(rest, ">"); ok {
		d["IOObjectClass"] = strings.TrimSpace(class)
	}
	return d
}

// ioregParser reads one value of ioreg's text form.
type ioregParser struct {
	s string
	i int
}

func (p *ioregParser) fail(msg string) error {
	return fmt.Errorf("column %d: %s", p.i+1, msg)
}

func (p *ioregParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *ioregParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *ioregParser) str() (string, error) {
	if !p.eat('"') {
		return "", p.fail(`want '"'`)
	}
	end := strings.IndexByte(p.s[p.i:], '"')
	if end < 0 {
		return "", p.fail("string not closed")
	}
	s := p.s[p.i : p.i+end]
	p.i += end + 1
	return s, nil
}

// value reads a value; nil for an empty one (followed by , ) } or the end).
func (p *ioregParser) value(depth int) (any, error) {
	if depth > maxPlistDepth {
		return nil, p.fail("nested too deep")
	}
	if p.i >= len(p.s) {
		return nil, nil
	}
	switch c := p.s[p.i]; {
	case c == ',' || c == ')' || c == '}':
		return nil, nil
	case c == '"':
		return p.str()
	case c == '{':
		p.i++
		m := map[string]any{}
		if p.eat('}') {
			return m, nil
		}
		for {
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			if !p.eat('=') {
				return nil, p.fail("want '=' in a dictionary")
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if v != nil {
				m[k] = v
			}
			if p.eat('}') {
				return m, nil
			}
			if !p.eat(',') {
				return nil, p.fail("want ',' or '}' in a dictionary")
			}
		}
	case c == '(':
		p.i++
		a := []any{}
		if p.eat(')') {
			return a, nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			if v != nil {
				a = append(a, v)
			}
			if p.eat(')') {
				return a, nil
			}
			if !p.eat(',') {
				return nil, p.fail("want ',' or ')' in an array")
			}
		}
	case c == '<':
		p.i++
		return p.data()
	default:
		j := p.i
		for j < len(p.s) && !strings.ContainsRune(",)}", rune(p.s[j])) {
			j++
		}
		tok := strings.TrimSpace(p.s[p.i:j])
		p.i = j
		switch tok {
		case "Yes":
			return true, nil
		case "No":
			return false, nil
		}
		if n, err := strconv.ParseInt(tok, 0, 64); err == nil {
			return n, nil
		}
		if u, err := strconv.ParseUint(tok, 0, 64); err == nil {
			return int64(u), nil
		}
		if f, err := strconv.ParseFloat(tok, 64); err == nil {
			return f, nil
		}
		return nil, p.fail(fmt.Sprintf("value %q is not a number, Yes, No, string, data, array or dictionary", tok))
	}
}

// data reads after '<': hex digits, or printable data as "a","b" (several
// strings are NUL-separated, as in IOPlatformExpertDevice's compatible).
func (p *ioregParser) data() (any, error) {
	if p.i < len(p.s) && p.s[p.i] == '"' {
		var b []byte
		for {
			s, err := p.str()
			if err != nil {
				return nil, err
			}
			if b != nil {
				b = append(b, 0)
			}
			b = append(b, s...)
			if p.eat('>') {
				return b, nil
			}
			if !p.eat(',') {
				return nil, p.fail("want ',' or '>' in data")
			}
		}
	}
	end := strings.IndexByte(p.s[p.i:], '>')
	if end < 0 {
		return nil, p.fail("data not closed")
	}
	b, err := hex.DecodeString(p.s[p.i : p.i+end])
	if err != nil {
		return nil, p.fail("data is not hex")
	}
	p.i += end + 1
	return b, nil
}
