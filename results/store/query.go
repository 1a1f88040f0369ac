package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipcbench/ipcbench/results"
)

// Selector picks runs: terms of one key match any of their values, and
// the keys all must hold. Last keeps the newest Last of the runs that
// match (0: all).
type Selector struct {
	RunIDs  []int64
	Labels  []string
	Commits []string // prefixes
	Hosts   []string // host names
	Since   time.Time
	Until   time.Time // exclusive
	Last    int
}

// SelectorSyntax is what ParseSelector takes, for help and errors.
const SelectorSyntax = `terms joined by commas: run:ID (or a bare ID), label:L, commit:PREFIX, host:NAME, since:30d|2026-11-01, until:DATE, date:2026-11-01, last:N`

// ParseSelector reads a selector such as "label:main,host:h1,last:6";
// times are relative to now. A key that takes one value (since, until,
// date, last) given twice is refused rather than one of the two kept, and
// a time outside the years that Unix nanoseconds reach (1678 to 2262) is
// refused rather than wrapped.
func ParseSelector(s string, now time.Time) (Selector, error) {
	var sel Selector
	if strings.TrimSpace(s) == "" {
		return sel, fmt.Errorf("empty selector: want %s", SelectorSyntax)
	}
	given := map[string]string{} // single-valued key: the term that gave it
	for _, term := range strings.Split(s, ",") {
		term = strings.TrimSpace(term)
		key, val, ok := strings.Cut(term, ":")
		if !ok {
			key, val = "run", term
		}
		if val == "" {
			return sel, fmt.Errorf("selector term %q has no value: want %s", term, SelectorSyntax)
		}
		if err := once(given, key, term); err != nil {
			return sel, err
		}
		if err := sel.set(key, val, now); err != nil {
			return sel, fmt.Errorf("selector term %q: %v", term, err)
		}
	}
	if !sel.Since.IsZero() && !sel.Until.IsZero() && !sel.Since.Before(sel.Until) {
		return sel, fmt.Errorf("selector %q: since %s is not before until %s, so it picks no run", s,
			sel.Since.Format(time.RFC3339), sel.Until.Format(time.RFC3339))
	}
	return sel, nil
}

// singleKeys are the selector keys that take one value, and the bounds
// each sets: date: sets both since and until.
var singleKeys = map[string][]string{"since": {"since"}, "until": {"until"}, "date": {"since", "until"}, "last": {"last"}}

// once records the bounds a single-valued term sets, refusing one that an
// earlier term already set.
func once(given map[string]string, key, term string) error {
	for _, b := range singleKeys[key] {
		if prev, ok := given[b]; ok {
			return fmt.Errorf("selector term %q: %s: is already given by %q; a selector takes one since:, until: (or one date:) and one last:", term, b, prev)
		}
		given[b] = term
	}
	return nil
}

// set adds one term's key and value to sel.
func (sel *Selector) set(key, val string, now time.Time) error {
	var err error
	switch key {
	case "run":
		id, err := strconv.ParseInt(val, 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("a run id is a whole number above 0 (ipcbench store ls lists them); want %s", SelectorSyntax)
		}
		sel.RunIDs = append(sel.RunIDs, id)
	case "label":
		sel.Labels = append(sel.Labels, val)
	case "commit":
		sel.Commits = append(sel.Commits, val)
	case "host":
		sel.Hosts = append(sel.Hosts, val)
	case "since":
		sel.Since, err = parseWhen(val, now)
	case "until":
		sel.Until, err = parseWhen(val, now)
	case "date":
		var day time.Time
		if day, err = time.Parse(time.DateOnly, val); err == nil {
			sel.Since, sel.Until = day, day.Add(24*time.Hour)
			err = inRange(sel.Until)
		}
	case "last":
		sel.Last, err = strconv.Atoi(val)
		if err == nil && sel.Last <= 0 {
			err = fmt.Errorf("want a count above 0")
		}
	default:
		return fmt.Errorf("unknown key %q: want %s", key, SelectorSyntax)
	}
	return err
}

// Times a run's start can have: started_ns is Unix nanoseconds in an
// int64.
var (
	minWhen = time.Unix(0, math.MinInt64).UTC()
	maxWhen = time.Unix(0, math.MaxInt64).UTC()
)

// maxAgeDays is the longest age parseWhen reads, a little over the whole
// range of int64 nanoseconds, so that counting it back cannot overflow.
const maxAgeDays = 110_000

// inRange refuses a time that Unix nanoseconds in an int64 cannot hold.
func inRange(t time.Time) error {
	if t.Before(minWhen) || t.After(maxWhen) {
		return fmt.Errorf("%s is outside the times a run's start can have, %s to %s",
			t.Format(time.DateOnly), minWhen.Format(time.DateOnly), maxWhen.Format(time.DateOnly))
	}
	return nil
}

// parseWhen reads an age (30d, 12h, 2w) back from now, a date
// (2026-11-01, UTC midnight) or an RFC 3339 time, within the range of
// Unix nanoseconds.
func parseWhen(s string, now time.Time) (time.Time, error) {
	t, err := parseTime(s, now)
	if err != nil {
		return t, err
	}
	return t, inRange(t)
}

func parseTime(s string, now time.Time) (time.Time, error) {
	if n := len(s); n > 1 && (s[n-1] == 'd' || s[n-1] == 'w') {
		if k, err := strconv.Atoi(s[:n-1]); err == nil && k >= 0 {
			days := k
			if s[n-1] == 'w' {
				days = k * 7
			}
			if k > maxAgeDays || days > maxAgeDays {
				return time.Time{}, fmt.Errorf("%s is further back than the times a run's start can have (%s on)", s, minWhen.Format(time.DateOnly))
			}
			return now.AddDate(0, 0, -days), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an age (30d, 2w, 12h), a date (2026-11-01) or an RFC 3339 time", s)
}

// where is the SQL condition over runs r joined with hosts h that sel
// stands for, with its arguments.
func (sel Selector) where() (string, []any) {
	var conds []string
	var args []any
	oneOf := func(col string, vals []string, cond string) {
		if len(vals) == 0 {
			return
		}
		var or []string
		for _, v := range vals {
			or = append(or, strings.ReplaceAll(cond, "$", col))
			args = append(args, v)
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if len(sel.RunIDs) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(sel.RunIDs)), ", ")
		conds = append(conds, "r.id IN ("+marks+")")
		for _, id := range sel.RunIDs {
			args = append(args, id)
		}
	}
	oneOf("r.label", sel.Labels, "$ = ?")
	oneOf("h.hostname", sel.Hosts, "$ = ?")
	if len(sel.Commits) > 0 {
		var or []string
		for _, c := range sel.Commits {
			or = append(or, "substr(r.commit_id, 1, "+strconv.Itoa(len(c))+") = ?")
			args = append(args, c)
		}
		conds = append(conds, "("+strings.Join(or, " OR ")+")")
	}
	if !sel.Since.IsZero() {
		conds = append(conds, "r.started_ns >= ?")
		args = append(args, sel.Since.UnixNano())
	}
	if !sel.Until.IsZero() {
		conds = append(conds, "r.started_ns < ?")
		args = append(args, sel.Until.UnixNano())
	}
	cond := "1 = 1"
	if len(conds) > 0 {
		cond = strings.Join(conds, " AND ")
	}
	if sel.Last > 0 {
		cond = "r.id IN (SELECT r.id FROM runs r JOIN hosts h ON h.id = r.host_id WHERE " + cond +
			" ORDER BY r.started_ns DESC, r.id DESC LIMIT ?)"
		args = append(args, sel.Last)
	}
	return cond, args
}

// RunInfo is one stored run as ipcbench store ls lists it.
type RunInfo struct {
	ID         int64
	Started    time.Time
	Hostname   string
	Label      string
	Commit     string
	Version    string
	Cases      int
	Incomplete string
}

// Runs lists the runs sel picks, oldest first.
func (s *Store) Runs(ctx context.Context, sel Selector) ([]RunInfo, error) {
	cond, args := sel.where()
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT r.id, r.started_ns, h.hostname, r.label, r.commit_id, r.ipcbench_version, r.cases, r.incomplete
		FROM runs r JOIN hosts h ON h.id = r.host_id WHERE `+cond+` ORDER BY r.started_ns, r.id`), args...)
	if err != nil {
		return nil, s.errf("list runs", err)
	}
	defer rows.Close()
	var out []RunInfo
	for rows.Next() {
		var r RunInfo
		var ns int64
		if err := rows.Scan(&r.ID, &ns, &r.Hostname, &r.Label, &r.Commit, &r.Version, &r.Cases, &r.Incomplete); err != nil {
			return nil, s.errf("list runs", err)
		}
		r.Started = time.Unix(0, ns).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errf("list runs", err)
	}
	return out, nil
}

// Load says how much of each run to read.
type Load struct {
	// Cases keeps only cases whose key (CaseKey) contains one of these,
	// spaces ignored, as history's --case matches; empty keeps all.
	Cases []string
	// Full reads everything the results file held: histograms and the
	// workers' reports, as report and export need. Otherwise a case's
	// histogram is read only where the case records no sample count
	// (older files), the one use compare and history make of it.
	Full bool
	// CaseFigures reads each case's own figures only: no repetitions and
	// no histograms. changes follows each run's median, and its search over
	// 10,000 runs spent half its time decoding the rounds it never reads.
	CaseFigures bool
}

// Load reads the runs sel picks, oldest first, each as the results file
// it was stored from (less what opt leaves out), with a name for each
// (run:ID) that is also a selector for it. Every file is validated, as a
// results file read from disk is: a shared store is written by other
// hosts' ipcbench.
func (s *Store) Load(ctx context.Context, sel Selector, opt Load) ([]*results.File, []string, error) {
	cond, args := sel.where()
	load := s.loadRunsLight
	if opt.Full {
		load = s.loadRuns
	}
	files, names, byID, err := load(ctx, cond, args)
	if err != nil || len(files) == 0 {
		return files, names, err
	}
	caseCond, caseArgs := cond, append([]any(nil), args...)
	if len(opt.Cases) > 0 {
		keys, err := s.matchingKeys(ctx, opt.Cases)
		if err != nil {
			return nil, nil, err
		}
		if len(keys) == 0 {
			return files, names, nil // no case matches: runs without cases
		}
		caseCond += " AND c.case_key IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(keys)), ", ") + ")"
		for _, k := range keys {
			caseArgs = append(caseArgs, k)
		}
	}
	cases, err := s.loadCases(ctx, caseCond, caseArgs, opt.Full, byID)
	if err != nil {
		return nil, nil, err
	}
	if !opt.CaseFigures || opt.Full {
		if err := s.loadRepetitions(ctx, caseCond, caseArgs, cases, opt.Full); err != nil {
			return nil, nil, err
		}
		histCond := caseCond
		if !opt.Full {
			histCond += " AND c.samples = 0"
		}
		if err := s.loadHistograms(ctx, histCond, caseArgs, cases); err != nil {
			return nil, nil, err
		}
	}
	for i, f := range files {
		if err := results.Validate(f); err != nil {
			return nil, nil, fmt.Errorf("store %s: %s: %w", s.loc, names[i], err)
		}
	}
	return files, names, nil
}

// matchingKeys lists the stored case keys that hold one of match, spaces
// ignored, as history matches the cases of files.
func (s *Store) matchingKeys(ctx context.Context, match []string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT case_key FROM case_keys`)
	if err != nil {
		return nil, s.errf("read case keys", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, s.errf("read case keys", err)
		}
		for _, m := range match {
			if strings.Contains(k, strings.ReplaceAll(m, " ", "")) {
				keys = append(keys, k)
				break
			}
		}
	}
	return keys, rows.Err()
}

type caseRef struct {
	run int64
	ord int
}

func (s *Store) loadRuns(ctx context.Context, cond string, args []any) ([]*results.File, []string, map[int64]*results.File, error) {
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT r.id, r.envelope_json FROM runs r JOIN hosts h ON h.id = r.host_id
		WHERE `+cond+` ORDER BY r.started_ns, r.id`), args...)
	if err != nil {
		return nil, nil, nil, s.errf("read runs", err)
	}
	defer rows.Close()
	var files []*results.File
	var names []string
	byID := map[int64]*results.File{}
	for rows.Next() {
		var id int64
		var env string
		if err := rows.Scan(&id, &env); err != nil {
			return nil, nil, nil, s.errf("read runs", err)
		}
		f := new(results.File)
		if err := json.Unmarshal([]byte(env), f); err != nil {
			return nil, nil, nil, fmt.Errorf("store %s: run %d: %w", s.loc, id, err)
		}
		files = append(files, f)
		names = append(names, "run:"+strconv.FormatInt(id, 10))
		byID[id] = f
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, s.errf("read runs", err)
	}
	return files, names, byID, nil
}

// loadRunsLight reads what history and compare use of each run, from
// the runs, hosts and configs tables, without the envelope: no host
// findings, pair matrices or command line.
func (s *Store) loadRunsLight(ctx context.Context, cond string, args []any) ([]*results.File, []string, map[int64]*results.File, error) {
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT r.id, r.started_ns, r.finished_ns, r.label, r.commit_id, r.ipcbench_version,
			r.go_version, r.incomplete, r.config_id, h.hostname, h.kernel, h.cpu_model, h.cpus, h.virtualization, h.clock_source, h.thp
		FROM runs r JOIN hosts h ON h.id = r.host_id
		WHERE `+cond+` ORDER BY r.started_ns, r.id`), args...)
	if err != nil {
		return nil, nil, nil, s.errf("read runs", err)
	}
	defer rows.Close()
	var files []*results.File
	var names []string
	var configIDs []int64
	byID := map[int64]*results.File{}
	for rows.Next() {
		var id, started, finished, configID int64
		f := &results.File{Schema: results.Schema}
		h := &f.Host
		if err := rows.Scan(&id, &started, &finished, &f.Config.Label, &h.Commit, &h.Version, &h.GoVersion, &f.Incomplete, &configID,
			&h.Hostname, &h.Kernel, &h.CPUModel, &h.CPUs, &h.Virtualization, &h.ClockSource, &h.THP); err != nil {
			return nil, nil, nil, s.errf("read runs", err)
		}
		f.StartedAt, f.FinishedAt = fromUnixNs(started), fromUnixNs(finished)
		files = append(files, f)
		names = append(names, "run:"+strconv.FormatInt(id, 10))
		configIDs = append(configIDs, configID)
		byID[id] = f
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, s.errf("read runs", err)
	}
	configs := map[int64]*results.Config{}
	for i, id := range configIDs {
		c := configs[id]
		if c == nil {
			var data string
			if err := s.db.QueryRowContext(ctx, s.d.q(`SELECT config_json FROM configs WHERE id = ?`), id).Scan(&data); err != nil {
				return nil, nil, nil, s.errf("read a configuration", err)
			}
			c = new(results.Config)
			if err := json.Unmarshal([]byte(data), c); err != nil {
				return nil, nil, nil, fmt.Errorf("store %s: configuration %d: %w", s.loc, id, err)
			}
			configs[id] = c
		}
		label := files[i].Config.Label
		files[i].Config = *c
		files[i].Config.Label = label
	}
	return files, names, byID, nil
}

func fromUnixNs(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns)
}

// loadCases reads the cases into their runs and returns where each one is.
func (s *Store) loadCases(ctx context.Context, cond string, args []any, full bool, byID map[int64]*results.File) (map[caseRef]*results.Case, error) {
	workers := "''"
	if full {
		workers = "d.workers_json"
	}
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT c.run_id, c.ord, d.detail_json, `+workers+`
		FROM cases c JOIN case_details d ON d.run_id = c.run_id AND d.case_ord = c.ord
			JOIN runs r ON r.id = c.run_id JOIN hosts h ON h.id = r.host_id
		WHERE `+cond+` ORDER BY c.run_id, c.ord`), args...)
	if err != nil {
		return nil, s.errf("read cases", err)
	}
	defer rows.Close()
	var refs []caseRef
	chunk := make([]rawCase, 0, caseChunk)
	flush := func() error {
		decoded, err := s.decodeCases(chunk)
		if err != nil {
			return err
		}
		for i, r := range chunk {
			f := byID[r.ref.run]
			f.Cases = append(f.Cases, decoded[i])
			refs = append(refs, r.ref)
		}
		chunk = chunk[:0]
		return nil
	}
	for rows.Next() {
		var r rawCase
		if err := rows.Scan(&r.ref.run, &r.ref.ord, &r.detail, &r.workers); err != nil {
			return nil, s.errf("read cases", err)
		}
		if chunk = append(chunk, r); len(chunk) == caseChunk {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.errf("read cases", err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	// Index once every slice has stopped growing.
	out := make(map[caseRef]*results.Case, len(refs))
	next := map[int64]int{}
	for _, ref := range refs {
		f := byID[ref.run]
		out[ref] = &f.Cases[next[ref.run]]
		next[ref.run]++
	}
	return out, nil
}

// caseChunk is how many cases' JSON loadCases holds before it decodes
// them: all of 10,000 runs' at once took 50 MB more at the peak.
const caseChunk = 1024

// rawCase is a case's row as read, before its JSON is decoded.
type rawCase struct {
	ref             caseRef
	detail, workers string
}

// decodeCases decodes the cases' JSON on every CPU: over 10,000 runs of
// three cases it was two thirds of loading them for changes.
func (s *Store) decodeCases(raw []rawCase) ([]results.Case, error) {
	out := make([]results.Case, len(raw))
	errs := make([]error, len(raw))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(raw); i += workers {
				errs[i] = decodeCase(raw[i], &out[i])
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("store %s: run %d case %d: %w", s.loc, raw[i].ref.run, raw[i].ref.ord, err)
		}
	}
	return out, nil
}

// decodeCase decodes one case's detail and, where read, workers.
func decodeCase(r rawCase, c *results.Case) error {
	if err := json.Unmarshal([]byte(r.detail), c); err != nil {
		return err
	}
	if r.workers != "" {
		if err := json.Unmarshal([]byte(r.workers), &c.Workers); err != nil {
			return fmt.Errorf("workers: %w", err)
		}
	}
	return nil
}

// loadRepetitions reads the cases' rounds; each round's interference only
// with full, as export and verify need: history over 10,000 runs spent
// most of its time decoding it, and nothing it shows reads it.
func (s *Store) loadRepetitions(ctx context.Context, cond string, args []any, cases map[caseRef]*results.Case, full bool) error {
	interferenceCol := "NULL"
	if full {
		interferenceCol = "p.interference_json"
	}
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT p.run_id, p.case_ord, p.messages, p.window_ns, p.p50_ns, p.p90_ns, p.p99_ns, p.p999_ns,
			p.mean_ns, p.min_ns, p.max_ns, p.stddev_ns, p.msgs_per_sec, p.mb_per_sec, p.cpu_ns_per_msg,
			p.syscalls_per_msg, p.copies_per_msg, p.samples, p.flags_json, p.round, p.position, `+interferenceCol+`
		FROM repetitions p JOIN cases c ON c.run_id = p.run_id AND c.ord = p.case_ord
			JOIN runs r ON r.id = c.run_id JOIN hosts h ON h.id = r.host_id
		WHERE `+cond+` ORDER BY p.run_id, p.case_ord, p.ord`), args...)
	if err != nil {
		return s.errf("read repetitions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ref caseRef
		var r results.Repetition
		var msgs, samples int64
		var flags string
		var interference sql.NullString
		if err := rows.Scan(&ref.run, &ref.ord, &msgs, &r.WindowNs, &r.P50Ns, &r.P90Ns, &r.P99Ns, &r.P999Ns,
			&r.MeanNs, &r.MinNs, &r.MaxNs, &r.StddevNs, &r.MsgsPerSec, &r.MBPerSec, &r.CPUNsPerMsg,
			&r.SyscallsPerMsg, &r.CopiesPerMsg, &samples, &flags, &r.Round, &r.Position, &interference); err != nil {
			return s.errf("read repetitions", err)
		}
		r.Messages, r.Samples = uint64(msgs), uint64(samples)
		if flags != "null" && flags != "[]" {
			if err := json.Unmarshal([]byte(flags), &r.Flags); err != nil {
				return fmt.Errorf("store %s: run %d case %d repetition flags: %w", s.loc, ref.run, ref.ord, err)
			}
		}
		if interference.Valid {
			if err := json.Unmarshal([]byte(interference.String), &r.Interference); err != nil {
				return fmt.Errorf("store %s: run %d case %d repetition interference: %w", s.loc, ref.run, ref.ord, err)
			}
		}
		if c := cases[ref]; c != nil {
			c.Repetitions = append(c.Repetitions, r)
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf("read repetitions", err)
	}
	return nil
}

func (s *Store) loadHistograms(ctx context.Context, cond string, args []any, cases map[caseRef]*results.Case) error {
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT g.run_id, g.case_ord, g.hdr
		FROM histograms g JOIN cases c ON c.run_id = g.run_id AND c.ord = g.case_ord
			JOIN runs r ON r.id = c.run_id JOIN hosts h ON h.id = r.host_id
		WHERE `+cond), args...)
	if err != nil {
		return s.errf("read histograms", err)
	}
	defer rows.Close()
	for rows.Next() {
		var ref caseRef
		var hdr string
		if err := rows.Scan(&ref.run, &ref.ord, &hdr); err != nil {
			return s.errf("read histograms", err)
		}
		if c := cases[ref]; c != nil {
			c.HistogramHDR = hdr
		}
	}
	if err := rows.Err(); err != nil {
		return s.errf("read histograms", err)
	}
	return nil
}

// Export reads one run whole, as the results file it was stored from,
// and checks that it still hashes to the content hash it was stored
// under: a run whose rows were changed since is an error wrapping
// ErrTampered, not a file.
func (s *Store) Export(ctx context.Context, runID int64) (*results.File, error) {
	var stored string
	err := s.db.QueryRowContext(ctx, s.d.q(`SELECT sha256 FROM runs WHERE id = ?`), runID).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store %s: no run %d (ipcbench store ls lists them)", s.loc, runID)
	}
	if err != nil {
		return nil, s.errf("read run "+strconv.FormatInt(runID, 10), err)
	}
	files, _, err := s.Load(ctx, Selector{RunIDs: []int64{runID}}, Load{Full: true})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("store %s: no run %d (ipcbench store ls lists them)", s.loc, runID)
	}
	if _, err := s.checkContent(runID, stored, files[0]); err != nil {
		return nil, err
	}
	return files[0], nil
}
