package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
	"gocv.io/x/gocv"
)

// version is set at build time: go build -ldflags "-X main.version=v1.2.3".
// When unset, the module version or VCS revision from the build info is used.
var version = ""

// VersionConfig is the version command's configuration. It has no settings
// yet; it exists so the command follows the same pattern as the others.
type VersionConfig struct{}

// Validate implements validator.
func (c *VersionConfig) Validate() error { return nil }

// VersionOptions holds the version command's inputs.
type VersionOptions struct {
	Config VersionConfig
	Out    io.Writer
}

// NewCmdVersion builds "kneescreen version".
func NewCmdVersion(app *App, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{}
	if runF == nil {
		runF = runVersion
	}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and build information",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out = app.Out
			return app.run(cmd, "version", &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
}

func runVersion(_ context.Context, opts *VersionOptions) error {
	_, err := fmt.Fprintln(opts.Out, versionString(debug.ReadBuildInfo()))
	return err
}

// versionString formats the version line from the -ldflags version and the
// build info (either may be missing).
func versionString(bi *debug.BuildInfo, ok bool) string {
	v := version
	goVersion, revision, modified := "", "", false
	if ok {
		goVersion = bi.GoVersion
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	out := "kneescreen " + v
	if revision != "" {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		if modified {
			revision += "-dirty"
		}
		out += " commit " + revision
	}
	if goVersion != "" {
		out += " " + goVersion
	}
	return out + " opencv " + gocv.OpenCVVersion() + " gocv " + gocv.Version()
}
