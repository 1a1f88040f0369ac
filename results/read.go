package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// ErrSchema means a file is not an ipcbench results file of this version.
var ErrSchema = errors.New("not an ipcbench results file of schema " + Schema)

// Read loads and validates a results file.
func Read(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a results file; name is used in errors.
func Parse(name string, data []byte) (*File, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: empty file: %w", name, ErrSchema)
	}
	var head struct {
		Schema *string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%s: %v: %w", name, err, ErrSchema)
	}
	if head.Schema == nil {
		return nil, fmt.Errorf("%s: no \"schema\" field: %w", name, ErrSchema)
	}
	if *head.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %q, this ipcbench reads %q: %w", name, *head.Schema, Schema, ErrSchema)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %v: %w", name, err, ErrSchema)
	}
	for i, c := range f.Cases {
		switch c.Status {
		case StatusOK, StatusSkipped, StatusFailed:
		default:
			return nil, fmt.Errorf("%s: case %d (%s/%s/%d): unknown status %q: %w", name, i, c.Transport, c.Workload, c.SizeBytes, c.Status, ErrSchema)
		}
	}
	return &f, nil
}
