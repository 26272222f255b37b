package inventory

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxPlist bounds the plist read from ioreg.
const maxPlist = 8 << 20

// maxPlistDepth bounds nesting so that hostile input cannot exhaust the stack.
const maxPlistDepth = 64

// ParsePlist decodes an XML property list (as printed by `ioreg -a`) into
// map[string]any, []any, int64, float64, string, bool and []byte values.
func ParsePlist(r io.Reader) (any, error) {
	dec := xml.NewDecoder(io.LimitReader(r, maxPlist))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("plist: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "plist" {
				return nil, fmt.Errorf("plist: root element %q", se.Name.Local)
			}
			v, end, err := plistNext(dec, 0)
			if err != nil {
				return nil, err
			}
			if end {
				return nil, errors.New("plist: empty")
			}
			return v, nil
		}
	}
}

// plistNext reads the next value; end=true when the enclosing element closed.
func plistNext(dec *xml.Decoder, depth int) (v any, end bool, err error) {
	if depth > maxPlistDepth {
		return nil, false, errors.New("plist: nested too deep")
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, false, fmt.Errorf("plist: %w", err)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil, true, nil
		case xml.StartElement:
			v, err := plistValue(dec, t, depth)
			return v, false, err
		}
	}
}

func plistValue(dec *xml.Decoder, se xml.StartElement, depth int) (any, error) {
	switch se.Name.Local {
	case "dict":
		m := map[string]any{}
		for {
			tok, err := dec.Token()
			if err != nil {
				return nil, fmt.Errorf("plist dict: %w", err)
			}
			switch t := tok.(type) {
			case xml.EndElement:
				return m, nil
			case xml.StartElement:
				if t.Name.Local != "key" {
					return nil, fmt.Errorf("plist dict: want key, got %q", t.Name.Local)
				}
				var key string
				if err := dec.DecodeElement(&key, &t); err != nil {
					return nil, fmt.Errorf("plist key: %w", err)
				}
				v, end, err := plistNext(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if end {
					return nil, fmt.Errorf("plist dict: key %q without value", key)
				}
				m[key] = v
			}
		}
	case "array":
		var a []any
		for {
			v, end, err := plistNext(dec, depth+1)
			if err != nil {
				return nil, err
			}
			if end {
				return a, nil
			}
			a = append(a, v)
		}
	case "true", "false":
		if err := dec.Skip(); err != nil {
			return nil, fmt.Errorf("plist bool: %w", err)
		}
		return se.Name.Local == "true", nil
	}
	var text string
	if err := dec.DecodeElement(&text, &se); err != nil {
		return nil, fmt.Errorf("plist %s: %w", se.Name.Local, err)
	}
	text = strings.TrimSpace(text)
	switch se.Name.Local {
	case "string", "date":
		return text, nil
	case "integer":
		if n, err := strconv.ParseInt(text, 0, 64); err == nil {
			return n, nil
		}
		// ioreg prints unsigned 64-bit values (e.g. -1 as 18446744073709551615).
		u, err := strconv.ParseUint(text, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("plist integer %q: %w", text, err)
		}
		return int64(u), nil
	case "real":
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, fmt.Errorf("plist real %q: %w", text, err)
		}
		return f, nil
	case "data":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), ""))
		if err != nil {
			return nil, fmt.Errorf("plist data: %w", err)
		}
		return b, nil
	default:
		return nil, fmt.Errorf("plist: unknown element %q", se.Name.Local)
	}
}
