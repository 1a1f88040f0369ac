package results

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// segment is one step of a JSON path: an object key or an array index.
type segment struct {
	key   string
	index int
	array bool
}

// pathSegments splits a JSON path as Validate writes it, such as
// cases[3].ci95["p50"].lo, into its keys and indexes; it stops at the
// first part it cannot read.
func pathSegments(path string) []segment {
	var segs []segment
	for path != "" {
		switch {
		case path[0] == '.':
			path = path[1:]
		case strings.HasPrefix(path, `["`):
			q, err := strconv.QuotedPrefix(path[1:])
			if err != nil {
				return segs
			}
			k, _ := strconv.Unquote(q)
			segs = append(segs, segment{key: k})
			path = strings.TrimPrefix(path[1+len(q):], "]")
		case path[0] == '[':
			end := strings.IndexByte(path, ']')
			i, err := strconv.Atoi(path[1:max(end, 1)])
			if end < 0 || err != nil {
				return segs
			}
			segs = append(segs, segment{index: i, array: true})
			path = path[end+1:]
		default:
			end := strings.IndexAny(path, ".[")
			if end < 0 {
				end = len(path)
			}
			segs = append(segs, segment{key: path[:end]})
			path = path[end:]
		}
	}
	return segs
}

// frame is an object or array being read, and where in it the reader is.
type frame struct {
	segment
	wantKey bool // in an object, between values
}

// lineOf returns the line of data on which the value at path (as Validate
// names it) starts, or where it is absent, the line of the deepest value
// around it; 1 for the document. Parse uses it to put file:line on a
// validation error, as it does on a decoding error.
func lineOf(data []byte, path string) int {
	want := pathSegments(path)
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []frame
	best, at := -1, int64(0)
	done := func() { // a value ended: the next index, or the next key
		if n := len(stack); n > 0 {
			stack[n-1].index++
			stack[n-1].wantKey = !stack[n-1].array
		}
	}
	for best < len(want) {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		n := len(stack)
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:n-1]
			done()
			continue
		}
		if n > 0 && stack[n-1].wantKey {
			stack[n-1].key, _ = tok.(string)
			stack[n-1].wantKey = false
			continue
		}
		if d := matched(stack, want); d > best {
			best, at = d, dec.InputOffset()
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{segment: segment{array: d == '['}, wantKey: d == '{'})
			continue
		}
		done()
	}
	return 1 + bytes.Count(data[:min(at, int64(len(data)))], []byte("\n"))
}

// matched returns how deep the value the stack points at lies on the path
// want, or -1 where it lies off it.
func matched(stack []frame, want []segment) int {
	if len(stack) > len(want) {
		return -1
	}
	for i, f := range stack {
		w := want[i]
		if f.array != w.array || f.array && f.index != w.index || !f.array && f.key != w.key {
			return -1
		}
	}
	return len(stack)
}
