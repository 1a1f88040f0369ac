package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/ipcbench/ipcbench/internal/textsafe"
	"github.com/ipcbench/ipcbench/results/format"
	"github.com/ipcbench/ipcbench/results/stats"
	"github.com/ipcbench/ipcbench/results/store"
)

// recordChanges writes the change points of c, those --min-magnitude
// kept, into the store's change_points table, each once, and says on
// stderr how many were new.
func recordChanges(stderr io.Writer, sf *storeFlag, c *stats.Changes) error {
	points := make([]store.ChangePoint, len(c.Points))
	for i, p := range c.Points {
		id, ok := store.RunIDOf(p.RunID)
		if !ok { // the runs came from the store, which names them run:N
			return fmt.Errorf("changes --record: change point of %s %s at %q: not a stored run", textsafe.Terminal(p.Host), p.Case, textsafe.Terminal(p.RunID))
		}
		points[i] = store.ChangePoint{RunID: id, Started: p.RunStarted, Host: p.Host, Case: p.Case, Metric: p.Metric,
			Magnitude: p.Magnitude, Lo: p.Lo, Hi: p.Hi, P: p.P, Direction: p.Direction, Kind: p.Kind,
			CommitFrom: p.CommitFrom, CommitTo: p.CommitTo, Text: format.ChangeAnnotation(p)}
	}
	ctx := context.Background()
	st, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	added, err := st.RecordChanges(ctx, points)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ipcbench: changes: %d of %d change points recorded in %s, %d already there\n", added, len(points), st.Location(), len(points)-added)
	return nil
}
