package carbon

import "sort"

// AppleIdentifiers lists the built-in table's model identifiers (tests).
func AppleIdentifiers() []string {
	out := make([]string, 0, len(appleIdentifiers))
	for id := range appleIdentifiers {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}
