package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/spf13/cobra"
)

// runCapture runs args with the named command replaced by one built by
// newCmd with a capturing run.
func runCapture(t *testing.T, name string, args []string, newCmd func(*App) *cobra.Command) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Out: &out, Err: &errOut, v: newViper()}
	root := newRootCmd(app)
	for _, c := range root.Commands() {
		if c.Name() == name {
			root.RemoveCommand(c)
		}
	}
	root.AddCommand(newCmd(app))
	code := execute(context.Background(), app, root, args)
	return code, out.String(), errOut.String()
}
