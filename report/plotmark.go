package report

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"os"
)

// A plot that SavePlot writes carries ipcbench's mark, so that a later
// SavePlot can prove it wrote the file before replacing it: an SVG an XML
// comment on its second line (after the XML declaration), a PNG a tEXt
// chunk right after its header chunk. Neither changes what the image shows.
const (
	plotMarkText = "ipcbench history --plot"
	// No "--" inside an XML comment: it would not be well-formed.
	svgMark    = "<!-- ipcbench plot: written by ipcbench history, which replaces this file only while this line is here -->\n"
	pngMarkKey = "Software"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// pngIHDREnd is where a PNG's header chunk ends: the 8-byte signature,
// then the chunk's length, type, 13 bytes of data and CRC.
const pngIHDREnd = 8 + 4 + 4 + 13 + 4

// markPlot puts ipcbench's mark into an encoded plot of format ext.
func markPlot(b []byte, ext string) ([]byte, error) {
	switch ext {
	case "svg":
		at := 0
		if bytes.HasPrefix(b, []byte("<?xml")) {
			at = bytes.IndexByte(b, '\n') + 1
			if at == 0 {
				return nil, errors.New("mark svg: no line break after the XML declaration")
			}
		}
		return append(b[:at:at], append([]byte(svgMark), b[at:]...)...), nil
	case "png":
		if len(b) < pngIHDREnd || !bytes.HasPrefix(b, pngSignature) || string(b[12:16]) != "IHDR" {
			return nil, errors.New("mark png: the encoder's output does not start with a PNG signature and IHDR chunk")
		}
		chunk := pngMarkChunk()
		return append(b[:pngIHDREnd:pngIHDREnd], append(chunk, b[pngIHDREnd:]...)...), nil
	}
	return nil, errors.New("mark plot: want png or svg, not " + ext)
}

// pngMarkChunk is the tEXt chunk "Software" = plotMarkText.
func pngMarkChunk() []byte {
	body := append([]byte("tEXt"+pngMarkKey+"\x00"), plotMarkText...)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(body)-4))
	chunk = append(chunk, body...)
	return binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(body))
}

// ProvePlot is a safeout.Proof: it accepts a file that starts as a plot
// SavePlot wrote starts, PNG or SVG, and reads no more than that start.
func ProvePlot(f *os.File) error {
	mark := pngMarkChunk()
	head := make([]byte, max(pngIHDREnd+len(mark), len("<?xml version=\"1.0\"?>\n")+len(svgMark)+64))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return err
	}
	head = head[:n]
	if bytes.HasPrefix(head, pngSignature) {
		if len(head) >= pngIHDREnd+len(mark) && bytes.Equal(head[pngIHDREnd:pngIHDREnd+len(mark)], mark) {
			return nil
		}
		return errors.New("a PNG without ipcbench's tEXt chunk (" + pngMarkKey + ": " + plotMarkText + ") after its header")
	}
	first, rest, _ := bytes.Cut(head, []byte("\n"))
	if bytes.HasPrefix(head, []byte(svgMark)) || bytes.HasPrefix(first, []byte("<?xml")) && bytes.HasPrefix(rest, []byte(svgMark)) {
		return nil
	}
	return errors.New("neither a PNG nor an SVG with ipcbench's mark at its start")
}
