package store

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretPieces are the parts of the passwords in redactCases; none may
// survive Redact, WithoutPassword or an error.
var secretPieces = []string{"S3cret", "S3", "cr3t", "p4ss"}

func hasSecret(s string) bool {
	for _, p := range secretPieces {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// redactCases are texts holding a password in each form pgx accepts, or
// might read from a malformed URL, and what Redact makes of them where
// the form is exact.
var redactCases = []struct{ in, want string }{
	{"postgres://u:S3cret@h:5432/d", "postgres://u:xxxxx@h:5432/d"},
	{"postgresql://u:S3cret@h/d?sslmode=require", "postgresql://u:xxxxx@h/d?sslmode=require"},
	{"postgres://u@h/d?password=S3cret", "postgres://u@h/d?password=xxxxx"},
	{"postgres://u@h/d?sslmode=disable&password=S3cret&application_name=x", "postgres://u@h/d?sslmode=disable&password=xxxxx&application_name=x"},
	{"postgres://u@h/d?pass%77ord=S3cret", "postgres://u@h/d?pass%77ord=xxxxx"},
	{"postgres://u@h/d?sslpassword=S3cret", "postgres://u@h/d?sslpassword=xxxxx"},
	{"postgres://u@h/d?PASSWORD=S3cret", "postgres://u@h/d?PASSWORD=xxxxx"},
	{"postgres://u:S3cret@h/d?application_name=a@b", "postgres://u:xxxxx@h/d?application_name=a@b"},
	{"postgres://u:S3cret@h1:5432,h2:5433/d", "postgres://u:xxxxx@h1:5432,h2:5433/d"},
	{"mysql://u:S3cret@h/d", "mysql://u:xxxxx@h/d"},
	{"--store=postgres://u:S3cret@h/d", "--store=postgres://u:xxxxx@h/d"},
	{"host=h password=S3cret dbname=d", "host=h password=xxxxx dbname=d"},
	{"host=h password = S3cret dbname=d", "host=h password = xxxxx dbname=d"},
	{"host=h password='S3 cr3t' dbname=d", "host=h password=xxxxx dbname=d"},
	{`password='it\'s S3 cr3t' dbname=d`, "password=xxxxx dbname=d"},
	{"password=S3cret&cr3t host=h", "password=xxxxx host=h"},
	{`store "host=h password=S3cret": refused`, "store \"host=h password=xxxxx refused"},
	{"--store=password=S3cret", "--store=password=xxxxx"},
	{"store postgres://u:S3cret@h/d: connect: refused\nnext postgres://v:p4ss@g/e", "store postgres://u:xxxxx@h/d: connect: refused\nnext postgres://v:xxxxx@g/e"},
	// Malformed: masked past what pgx would take as the password.
	{"postgres://u:S3/cr3t@h/d", ""},
	{"postgres://u:S3?cr3t@h/d", ""},
	{"postgres://u:S3@cr3t@h/d", ""},
	{"postgres://u:S3#cr3t@h/d", ""},
	{"postgres://u:S3 cr3t@h/d", ""},
}

func TestRedactMasksEveryForm(t *testing.T) {
	for _, c := range redactCases {
		got := Redact(c.in)
		if hasSecret(got) {
			t.Errorf("Redact(%q) = %q: shows the password", c.in, got)
		}
		if c.want != "" && got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, plain := range []string{"postgres://u@h:5432/d?sslmode=disable", "sqlite:/home/u/.local/share/ipcbench/results.db", "run --label main --store", ""} {
		if got := Redact(plain); got != plain {
			t.Errorf("Redact(%q) = %q: changed text that holds no password", plain, got)
		}
	}
	args := []string{"ipcbench", "run", "--store", "postgres://u:S3cret@h/d", "--label=password=S3cret"}
	if got := strings.Join(RedactArgs(args), " "); hasSecret(got) {
		t.Errorf("RedactArgs(%q) = %q", args, got)
	}
}

// Every URL ParseURL takes is shown, and can be printed for a command,
// without its password; the user name and host stay.
func TestLocationShowsNoPassword(t *testing.T) {
	for _, c := range redactCases {
		loc, err := ParseURL(c.in)
		if err != nil {
			if hasSecret(err.Error()) {
				t.Errorf("ParseURL(%q): the error shows the password: %v", c.in, err)
			}
			continue
		}
		if !loc.HasPassword() {
			t.Errorf("ParseURL(%q).HasPassword() = false", c.in)
		}
		for _, shown := range []string{loc.String(), loc.WithoutPassword()} {
			if hasSecret(shown) || !strings.Contains(shown, "@h") {
				t.Errorf("ParseURL(%q) shows %q: want the user and host and no password", c.in, shown)
			}
		}
		u, err := url.Parse(loc.WithoutPassword())
		if err != nil || u.Query().Has("password") || u.Query().Has("sslpassword") {
			t.Errorf("WithoutPassword(%q) = %q (%v): want a URL with no password parameter", c.in, loc.WithoutPassword(), err)
		}
	}
	if loc, err := ParseURL("postgres://u@h/d"); err != nil || loc.HasPassword() || loc.WithoutPassword() != "postgres://u@h/d" {
		t.Errorf("ParseURL(postgres://u@h/d) = %+v, %v: want no password and the URL as it is", loc, err)
	}
}

// ParseURL refuses whatever is neither a URL nor a SQLite path, naming
// the forms it takes, and creates no file for it.
func TestParseURLRefusesOddValues(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	sub := filepath.Join(dir, "sub.db")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{
		" ", "\t", "-", "--help", "-x.db", "file:/x", "file:/x.db", "file:x.db",
		"results", "host=h password=S3cret dbname=d", "host=h dbname=x.db", " dbname = x.db",
		sub, "sqlite:" + sub, "sqlite: ", "sqlite://",
		"postgres://u:S3@cr3t@h/d", "postgres://u:S3/cr3t@h/d", "postgres://u:S3cret@h/d?sslmode=sometimes",
		"mysql://u:S3cret@h/d",
	} {
		loc, err := ParseURL(in)
		if err == nil {
			t.Errorf("ParseURL(%q) = %+v: took it", in, loc)
			continue
		}
		if hasSecret(err.Error()) {
			t.Errorf("ParseURL(%q): the error shows the password: %v", in, err)
		}
		if in != sub && in != "sqlite:"+sub && !strings.Contains(err.Error(), "sqlite:PATH") && !strings.Contains(err.Error(), "%40") && !strings.Contains(err.Error(), "./-x.db") && !strings.Contains(err.Error(), "sslmode") {
			t.Errorf("ParseURL(%q): %v: want the forms it takes named", in, err)
		}
		if _, err := OpenWith(context.Background(), in, Options{}); err == nil {
			t.Errorf("OpenWith(%q) opened it", in)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("refused store URLs left files in the working directory: %v", left)
	}
}
