package format

import "github.com/ipcbench/ipcbench/internal/textsafe"

// escaper makes a file's free text safe where a rendering places it. A
// results file may come from another user or host: its label, host
// strings, reasons, flag details and notes are printed through one, so
// that a newline cannot forge a row, an escape sequence cannot drive the
// reader's terminal, and <script> stays text in a Markdown page.
// Transport and workload names need none: Validate keeps them to letters,
// digits and . _ + -.
type escaper func(string) string

// escapeFor returns textsafe.Markdown for Markdown, textsafe.Terminal
// for text.
func escapeFor(markdown bool) escaper {
	if markdown {
		return textsafe.Markdown
	}
	return textsafe.Terminal
}
