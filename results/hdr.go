package results

import (
	"fmt"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// DecodeHistogram decodes a case's HistogramHDR (HdrHistogram V2 compressed,
// base64), as written by any HdrHistogram implementation.
func DecodeHistogram(encoded string) (*hdrhistogram.Histogram, error) {
	h, err := hdrhistogram.Decode([]byte(encoded))
	if err != nil {
		return nil, fmt.Errorf("decode latency histogram: %w", err)
	}
	return h, nil
}

// Summarize reads the latency summary off a histogram of nanoseconds.
func Summarize(h *hdrhistogram.Histogram) Latency {
	return Latency{
		MinNs:    h.Min(),
		P50Ns:    h.ValueAtQuantile(50),
		P90Ns:    h.ValueAtQuantile(90),
		P99Ns:    h.ValueAtQuantile(99),
		P999Ns:   h.ValueAtQuantile(99.9),
		MaxNs:    h.Max(),
		MeanNs:   h.Mean(),
		StddevNs: h.StdDev(),
	}
}
