// Package textsafe makes untrusted text safe to print. Labels, host names,
// commit ids and case names come from results files and stores that
// another user may have written; printed raw, a newline forges a table
// row, an ESC or OSC sequence drives the reader's terminal, and <script>
// runs in a page rendered from Markdown.
//
// Terminal is for text that reaches a terminal or a plain-text file;
// Markdown for text placed in a Markdown document. HTML templates escape
// for themselves (html/template).
package textsafe

import (
	"html"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terminal returns s with every byte that could act on a terminal written
// as a Go escape: C0 and C1 controls and DEL (\n, \x1b, \u009b), the
// bidirectional overrides that reorder what is shown (\u202e), and
// invalid UTF-8 (\xff). Printable text, spaces included, is unchanged.
func Terminal(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unsafeRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Markdown returns s escaped for a Markdown line or table cell: Terminal's
// escaping, a backslash before each character Markdown gives a meaning
// (| ends a table cell, [ and ] make links, * _ ` emphasis and code), then
// HTML's escaping, so that <script> stays text.
func Markdown(s string) string {
	var b strings.Builder
	for _, r := range Terminal(s) {
		if strings.ContainsRune("\\`*_{}[]()#+-!|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return html.EscapeString(b.String())
}

// clean says whether s holds nothing Terminal would change.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return !strings.ContainsFunc(s, func(r rune) bool { return r == utf8.RuneError || unsafeRune(r) }) && utf8.ValidString(s)
		}
	}
	return true
}

// unsafeRune says whether r is a control character or one that reorders
// or hides text on display.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}
