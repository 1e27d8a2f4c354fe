package runtime

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSONString quotes s as JavaScript's JSON.stringify does, so messages that
// embed a value read the same as those of the TypeScript programs: only `"`,
// `\` and control characters are escaped (no HTML escaping, U+2028 and U+2029
// left as they are); invalid UTF-8 becomes U+FFFD, as Node decodes it.
func JSONString(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte("0123456789abcdef"[r>>4])
				b.WriteByte("0123456789abcdef"[r&0xf])
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// isJSSpace reports whether r is white space or a line terminator for
// JavaScript's String.prototype.trim (which differs from unicode.IsSpace:
// U+FEFF is included, U+0085 is not).
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x00a0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// TrimJS trims s as JavaScript's String.prototype.trim does.
func TrimJS(s string) string {
	return strings.TrimFunc(s, isJSSpace)
}

// IsBlankJS reports whether s is empty after TrimJS.
func IsBlankJS(s string) bool {
	return TrimJS(s) == ""
}

// CodePoints counts s as JavaScript's [...s].length does for valid text: one
// per Unicode code point (each invalid UTF-8 byte counts as one).
func CodePoints(s string) int {
	return utf8.RuneCountInString(s)
}

// FormatNumber writes f as JavaScript's String(number) does: integers without
// a fraction, no exponent between 1e-7 and 1e21.
func FormatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	// Exponent form: Go writes 1e-07 / 1e+21, JavaScript 1e-7 / 1e+21.
	s := strconv.FormatFloat(f, 'e', -1, 64)
	mantissa, exponent, _ := strings.Cut(s, "e")
	sign := exponent[:1]
	digits := strings.TrimLeft(exponent[1:], "0")
	return mantissa + "e" + sign + digits
}
