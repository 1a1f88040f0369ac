package store

import (
	"net/url"
	"regexp"
	"strings"
)

// redactMask stands in for a password that Redact removed.
const redactMask = "xxxxx"

// Redact returns s with every password masked that it may hold in a form
// pgx accepts: the password of a URL's user:password@, a password or
// sslpassword query parameter (its key percent-encoded or not), and a
// key=value connection string's password=… or password='…'. s may be a
// store URL, an argument such as --store=URL, a command line or an error
// message. Where the text is malformed it masks more rather than less:
// a URL's user info is taken to run to the last @ of its word unless the
// URL's authority (up to the first /, ? or #) holds an @ itself.
func Redact(s string) string {
	return redactParams(redactUserinfo(s))
}

// redactUserinfo masks the password of each scheme://user:password@ in s.
func redactUserinfo(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		start := i + len("://")
		b.WriteString(s[:start])
		s = s[start:]
		at := userinfoEnd(s)
		if at < 0 {
			continue
		}
		if colon := strings.IndexByte(s[:at], ':'); colon >= 0 {
			b.WriteString(s[:colon+1] + redactMask)
			s = s[at:]
		}
	}
}

// userinfoEnd finds the @ that ends the user info of the URL whose text
// after :// is rest, or -1: the furthest of the @ a URL parser takes (the
// last before the first /, ?, # or space) and the @ pgx takes (the first,
// when it comes before any /). Where neither is found but the URL's word
// holds an @ (a password with a raw /), it is that word's last @.
func userinfoEnd(rest string) int {
	authority := rest
	if i := strings.IndexFunc(rest, func(r rune) bool { return strings.ContainsRune("/?#", r) || isSpace(r) }); i >= 0 {
		authority = rest[:i]
	}
	at := strings.LastIndexByte(authority, '@')
	if i := strings.IndexAny(rest, "@/"); i >= 0 && rest[i] == '@' {
		at = max(at, i)
	}
	if at >= 0 {
		return at
	}
	word := rest
	if i := strings.IndexFunc(rest, isSpace); i >= 0 {
		word = rest[:i]
	}
	return strings.LastIndexByte(word, '@')
}

// passwordKey finds a key= as a URL query or a key=value connection string
// writes it: after the start, a space, ? or &, or a character that may
// stand before a DSN in an argument or a message (= ; , " ' ( `), with
// spaces around = as libpq allows them in key=value strings.
var passwordKey = regexp.MustCompile("(?:^|[\\s?&=;,\"'(`])((?:[A-Za-z0-9_.~-]|%[0-9A-Fa-f]{2})+)[ \\t]*=[ \\t]*")

// redactParams masks the value of each password or sslpassword parameter
// in s.
func redactParams(s string) string {
	var b strings.Builder
	for {
		m := passwordKey.FindStringSubmatchIndex(s)
		if m == nil {
			b.WriteString(s)
			return b.String()
		}
		valStart := m[1]
		b.WriteString(s[:valStart])
		rest := s[valStart:]
		if !isPasswordKey(s[m[2]:m[3]]) {
			s = rest
			continue
		}
		inQuery := m[2] > 0 && (s[m[2]-1] == '?' || s[m[2]-1] == '&')
		b.WriteString(redactMask)
		s = rest[paramValueLen(rest, inQuery):]
	}
}

// isPasswordKey says whether key, percent-decoded, names a password as
// pgx reads one (any case, to mask more rather than less).
func isPasswordKey(key string) bool {
	if k, err := url.PathUnescape(key); err == nil {
		key = k
	}
	return strings.EqualFold(key, "password") || strings.EqualFold(key, "sslpassword")
}

// paramValueLen is the length of the parameter value at the start of s: a
// quoted value to its closing quote (a backslash escapes the next
// character), else to the next space, or in a URL query also to & or #.
func paramValueLen(s string, inQuery bool) int {
	if strings.HasPrefix(s, "'") {
		for i := 1; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case '\'':
				return i + 1
			}
		}
		return len(s)
	}
	for i := 0; i < len(s); i++ {
		switch {
		case isSpace(rune(s[i])):
			return i
		case inQuery && (s[i] == '&' || s[i] == '#'):
			return i
		case s[i] == '\\':
			i++
		}
	}
	return len(s)
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}

// RedactArgs returns args with Redact applied to each, for a command line
// that is recorded or printed.
func RedactArgs(args []string) []string {
	if args == nil {
		return nil
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = Redact(a)
	}
	return out
}
