package carbon

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// vendorAliases maps the first word of a manufacturer string to the
// data set's manufacturer: DMI and WMI spell them "LENOVO", "Dell Inc.",
// "HP", "Hewlett-Packard", "Apple Inc.", "ASUSTeK COMPUTER INC.", …
var vendorAliases = map[string]string{
	"hewlett":   "hp",
	"hpe":       "hp",
	"asustek":   "asus",
	"microsoft": "microsoft",
}

// vendorKey normalises a manufacturer: the lower-cased first word, through
// vendorAliases. "Dell Inc." and "DELL" give "dell".
func vendorKey(s string) string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(f) == 0 {
		return ""
	}
	if a, ok := vendorAliases[f[0]]; ok {
		return a
	}
	return f[0]
}

// compact is a name compared without case, spaces and punctuation ("+"
// counts: "Surface Pro 7+" is not "Surface Pro 7"); exact matches compare
// compact names.
func compact(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == '+':
			b.WriteString("plus")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stripVendor drops a leading manufacturer word from a model name ("HP
// ProBook 440 G8" → "ProBook 440 G8") when it names vendor, or any
// manufacturer of the data set when vendor is "".
func stripVendor(vendor, name string) string {
	name = strings.TrimSpace(name)
	i := strings.IndexFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if i <= 0 {
		return name
	}
	first := vendorKey(name[:i])
	if first == vendor || (vendor == "" && knownVendors[first]) {
		return strings.TrimLeftFunc(name[i:], func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	}
	return name
}

// modelKey identifies a fleet model for grouping: vendor and compact name.
func modelKey(manufacturer, model string) string {
	v := vendorKey(manufacturer)
	return v + "\x00" + compact(stripVendor(v, model))
}

// knownVendors are the manufacturers of the shipped data set.
var knownVendors = map[string]bool{"apple": true, "asus": true, "dell": true, "fairphone": true, "google": true, "hp": true,
	"lenovo": true, "lexmark": true, "microsoft": true, "samsung": true, "seagate": true}

// nameKey is a model name reduced to what identifies the product.
type nameKey struct {
	exact  string // compact name without the vendor word
	tokens string // sorted distinct tokens, space-separated
	sizes  string // screen sizes ("13in"), sorted
	cpu    string // "intel", "amd" or ""
}

var (
	reTwoInOne = regexp.MustCompile(`\b2\s*-?\s*in\s*-?\s*1\b`)
	reSize     = regexp.MustCompile(`\b(\d{1,2}(?:\.\d)?)\s*-?\s*(?:inch(?:es)?\b|in\b|"|”|″|'')`)
	reOrdGen   = regexp.MustCompile(`\b(\d{1,2})(?:st|nd|rd|th)\b(?:\s*gen(?:eration)?\b\.?)?`)
	reGen      = regexp.MustCompile(`\bgen(?:eration)?\s*\.?\s*(\d{1,2})([ia])?\b`)
	reCPU      = regexp.MustCompile(`\b(intel|amd)\b`)
	reStorage  = regexp.MustCompile(`\b\d+(?:\.\d+)?\s*(?:gb|tb)\b`)
	reYear     = regexp.MustCompile(`\b(?:19[89]\d|20[0-3]\d)\s*(\)|$)`)
	rePlus     = regexp.MustCompile(`([a-z0-9])\+`)
	reFinish   = regexp.MustCompile(`\b(?:alcantara|metal)\s+palm\s+rest\b`)
)

// fillers are words that name no product: configuration and marketing.
var fillers = map[string]bool{"with": true, "notebook": true, "pc": true, "cpu": true, "series": true, "display": true}

// parseName reduces a model or product name for the matching rules
// (docs/carbon.md): vendor word dropped; case, punctuation and word order
// ignored; "2nd Gen", "Gen 2", "Gen2" and a bare "2nd" all "gen2";
// "Gen 2i"/"(Intel)" and "Gen 2a"/"(AMD)" set the CPU vendor apart;
// screen sizes ("13-inch", "14”", "15.6 inch") kept apart; storage
// ("256GB"), a year at the end or in parentheses, a finish ("Alcantara
// palm rest") and filler words (with, notebook, pc, cpu, series, display)
// dropped.
func parseName(vendor, name string) nameKey {
	name = stripVendor(vendor, name)
	k := nameKey{exact: compact(name)}
	s := strings.ToLower(name)
	s = strings.NewReplacer("®", " ", "™", " ", "“", `"`).Replace(s)
	s = reTwoInOne.ReplaceAllString(s, " 2in1 ")
	var sizes []string
	s = reSize.ReplaceAllStringFunc(s, func(m string) string {
		sizes = append(sizes, reSize.FindStringSubmatch(m)[1]+"in")
		return " "
	})
	s = reGen.ReplaceAllStringFunc(s, func(m string) string {
		sub := reGen.FindStringSubmatch(m)
		switch sub[2] {
		case "i":
			k.cpu = "intel"
		case "a":
			k.cpu = "amd"
		}
		return " gen" + strings.TrimLeft(sub[1], "0") + " "
	})
	s = reOrdGen.ReplaceAllString(s, " gen$1 ")
	s = reCPU.ReplaceAllStringFunc(s, func(m string) string {
		k.cpu = m
		return " "
	})
	s = reStorage.ReplaceAllString(s, " ")
	s = reFinish.ReplaceAllString(s, " ")
	s = reYear.ReplaceAllString(s, "$1")
	s = rePlus.ReplaceAllString(s, "${1}plus")
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' })
	var toks []string
	for _, w := range words {
		w = strings.Trim(w, ".")
		if w == "" || fillers[w] {
			continue
		}
		toks = append(toks, w)
	}
	slices.Sort(toks)
	toks = slices.Compact(toks)
	slices.Sort(sizes)
	sizes = slices.Compact(sizes)
	k.tokens = strings.Join(toks, " ")
	k.sizes = strings.Join(sizes, " ")
	return k
}

// alternatives splits a data set name that lists several products
// ("ThinkPad E14.ThinkPad R14.ThinkPad S3 Gen2", "IdeaPad 3-14/Lenovo
// V14", "ThinkPad L13/S2 5th Gen. L13 Yoga/S2 Yoga 5th Gen") into the
// whole name and each part; a part that does not start with the first
// part's family word ("ThinkPad", "IdeaPad") gets it.
func alternatives(name string) []string {
	out := []string{name}
	parts := splitNames(name)
	if len(parts) < 2 {
		return out
	}
	family := strings.Fields(parts[0])[0]
	for _, p := range parts {
		if !strings.EqualFold(strings.Fields(p)[0], family) && !knownVendors[vendorKey(p)] {
			p = family + " " + p
		}
		out = append(out, p)
	}
	return out
}

// splitNames cuts at "/" and at a "." that is followed by a letter or a
// space (not a decimal point, not "Gen." at the end).
func splitNames(name string) []string {
	var parts []string
	start := 0
	rs := []rune(name)
	for i, r := range rs {
		cut := r == '/'
		if r == '.' && i+1 < len(rs) && (unicode.IsLetter(rs[i+1]) || rs[i+1] == ' ') {
			cut = true
		}
		if cut {
			if p := strings.TrimSpace(string(rs[start:i])); p != "" {
				parts = append(parts, p)
			}
			start = i + 1
		}
	}
	if p := strings.TrimSpace(string(rs[start:])); p != "" {
		parts = append(parts, p)
	}
	return parts
}
