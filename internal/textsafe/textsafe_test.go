package textsafe

import (
	"strings"
	"testing"
)

func TestTerminal(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"main", "main"},
		{"v1.2 on host-3", "v1.2 on host-3"},
		{"héllo · 64 KiB µs", "héllo · 64 KiB µs"},
		{"a\nb", `a\nb`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]0;title\x07", `\x1b]0;title\a`},
		{"c1\u009bcsi", `c1\u009bcsi`},
		{"del\x7f", `del\x7f`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"rtl\u202eevil", `rtl\u202eevil`},
		{"tab\there", `tab\there`},
	} {
		if got := Terminal(c.in); got != c.want {
			t.Errorf("Terminal(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"main", "main"},
		{"<script>alert(1)</script>", `&lt;script&gt;alert\(1\)&lt;/script&gt;`},
		{`<svg onload="x">`, `&lt;svg onload=&#34;x&#34;&gt;`},
		{"a|b", `a\|b`},
		{"[x](javascript:1)", `\[x\]\(javascript:1\)`},
		{"row\n| forged | row |", `row\\n\| forged \| row \|`},
	} {
		got := Markdown(c.in)
		if got != c.want {
			t.Errorf("Markdown(%q) = %q, want %q", c.in, got, c.want)
		}
		if strings.ContainsAny(got, "<>\n\x1b") {
			t.Errorf("Markdown(%q) = %q still holds markup or a control", c.in, got)
		}
	}
}

func FuzzTerminal(f *testing.F) {
	f.Add("a\x1b[2Jb\n\u202e\xff")
	f.Fuzz(func(t *testing.T, s string) {
		out := Terminal(s)
		for _, r := range out {
			if unsafeRune(r) || r == 0xfffd && !strings.ContainsRune(s, 0xfffd) {
				t.Fatalf("Terminal(%q) = %q holds %U", s, out, r)
			}
		}
		if Terminal(out) != out {
			t.Fatalf("Terminal is not idempotent on %q", out)
		}
	})
}
