package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// demoConfig is a typed Config for the test-only "demo" command that
// exercises the configuration machinery every real command uses.
type demoConfig struct {
	Count   int     `mapstructure:"count"`
	Name    string  `mapstructure:"name"`
	MaxRate float64 `mapstructure:"max-rate"`
}

func (c *demoConfig) Validate() error {
	if c.Count < 1 {
		return fmt.Errorf("demo: --count must be at least 1, got %d", c.Count)
	}
	return nil
}

type demoOptions struct {
	Config demoConfig
	Args   []string
}

// newCmdDemo follows the NewCmdX pattern; section is its config section.
func newCmdDemo(app *App, use, section string, runF func(context.Context, *demoOptions) error) *cobra.Command {
	opts := &demoOptions{}
	cmd := &cobra.Command{
		Use:  use,
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			return app.run(cmd, section, &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
	cmd.Flags().Int("count", 3, "count")
	cmd.Flags().String("name", "default-name", "name")
	cmd.Flags().Float64("max-rate", 1.5, "rate")
	bindFlag(cmd.Flags(), "count", section+".count")
	bindFlag(cmd.Flags(), "name", section+".name")
	bindFlag(cmd.Flags(), "max-rate", section+".max-rate")
	return cmd
}

type result struct {
	code           int
	stdout, stderr string
	opts           *demoOptions
}

// runDemo runs args on a tree holding the registered commands plus two demo
// commands ("demo" and "other", both bound to section "demo").
func runDemo(t *testing.T, ctx context.Context, args []string, runErr error) result {
	t.Helper()
	var out, errOut bytes.Buffer
	app := &App{Out: &out, Err: &errOut, v: newViper()}
	root := newRootCmd(app)
	var got *demoOptions
	capture := func(ctx context.Context, o *demoOptions) error {
		got = o
		if runErr != nil {
			return runErr
		}
		return ctx.Err()
	}
	root.AddCommand(newCmdDemo(app, "demo", "demo", capture), newCmdDemo(app, "other", "demo", capture))
	code := execute(ctx, app, root, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String(), opts: got}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, "k.yaml", "demo:\n  count: 5\n  name: from-file\n")
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		wantCount int
		wantName  string
		wantRate  float64
	}{
		{"defaults", []string{"demo"}, nil, 3, "default-name", 1.5},
		{"file beats default", []string{"--config", file, "demo"}, nil, 5, "from-file", 1.5},
		{"config path from env", []string{"demo"}, map[string]string{"KNEESCREEN_CONFIG": file}, 5, "from-file", 1.5},
		{"env beats file", []string{"--config", file, "demo"}, map[string]string{"KNEESCREEN_DEMO_COUNT": "7"}, 7, "from-file", 1.5},
		{"flag beats env", []string{"--config", file, "demo", "--count", "9"}, map[string]string{"KNEESCREEN_DEMO_COUNT": "7"}, 9, "from-file", 1.5},
		{"dashes become underscores", []string{"demo"}, map[string]string{"KNEESCREEN_DEMO_MAX_RATE": "2.5"}, 3, "default-name", 2.5},
		{"flag after args", []string{"demo", "a", "--name", "x"}, nil, 3, "x", 1.5},
		{"second command binding the same key", []string{"other", "--count", "4"}, nil, 4, "default-name", 1.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			r := runDemo(t, context.Background(), tt.args, nil)
			if r.code != exitOK {
				t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
			}
			c := r.opts.Config
			if c.Count != tt.wantCount || c.Name != tt.wantName || c.MaxRate != tt.wantRate {
				t.Errorf("config = %+v, want count %d name %q rate %v", c, tt.wantCount, tt.wantName, tt.wantRate)
			}
		})
	}
}

func TestExitCodes(t *testing.T) {
	badYAML := writeFile(t, "bad.yaml", "demo: [unclosed\n")
	typo := writeFile(t, "typo.yaml", "demo:\n  cuont: 2\n")
	badValue := writeFile(t, "badvalue.yaml", "demo:\n  count: lots\n")
	// Misspelt sections: British "analyse", singular "threshold".
	analyse := writeFile(t, "analyse.yaml", "analyse:\n  sex: female\n")
	listSection := writeFile(t, "list.yaml", "demo:\n  - count\n")
	threshold := writeFile(t, "threshold.yaml", "demo:\n  count: 2\nthreshold:\n  fppa:\n    female_flag_deg: 16\n")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		runErr   error
		wantCode int
		wantErr  string // substring of the one stderr line; "" means stderr empty
	}{
		{"ok", []string{"demo"}, nil, nil, exitOK, ""},
		{"unknown flag", []string{"demo", "--bogus"}, nil, nil, exitUsage, "unknown flag: --bogus"},
		{"unknown global flag", []string{"--bogus", "version"}, nil, nil, exitUsage, "unknown flag: --bogus"},
		{"unknown command", []string{"frobnicate"}, nil, nil, exitUsage, `unknown command "frobnicate"`},
		{"bad flag value", []string{"demo", "--count", "abc"}, nil, nil, exitUsage, `invalid argument "abc" for "--count"`},
		{"bad env value", []string{"demo"}, map[string]string{"KNEESCREEN_DEMO_COUNT": "abc"}, nil, exitUsage, "config: demo.count (flag, KNEESCREEN_DEMO_COUNT or config file): cannot parse value as 'int'"},
		{"bad file value", []string{"--config", badValue, "demo"}, nil, nil, exitUsage, "config: demo.count (flag, KNEESCREEN_DEMO_COUNT or config file): cannot parse value as 'int'"},
		{"unknown key in file", []string{"--config", typo, "demo"}, nil, nil, exitUsage, "config: demo: has invalid keys: cuont"},
		{"misspelt command section", []string{"--config", analyse, "demo"}, nil, nil, exitUsage, `unknown section "analyse" (valid sections: analyze, bench, demo, filter,`},
		{"a list where a section goes", []string{"--config", listSection, "demo"}, nil, nil, exitUsage, `section "demo" must be a mapping of settings (key: value), got a list`},
		{"misspelt shared section", []string{"--config", threshold, "version"}, nil, nil, exitUsage, `unknown section "threshold" (valid sections:`},
		{"malformed file", []string{"--config", badYAML, "demo"}, nil, nil, exitUsage, "config file " + badYAML},
		{"missing file", []string{"--config", "/nonexistent/k.yaml", "demo"}, nil, nil, exitUsage, "config file /nonexistent/k.yaml: file does not exist"},
		{"invalid value", []string{"demo", "--count", "0"}, nil, nil, exitUsage, "--count must be at least 1, got 0"},
		{"extra argument", []string{"version", "x"}, nil, nil, exitUsage, `version: unknown command "x"`},
		{"missing argument", []string{"probe"}, nil, nil, exitUsage, "probe: requires at least 1 arg(s), only received 0; usage: kneescreen probe VIDEO..."},
		{"some inputs failed", []string{"demo"}, nil, fmt.Errorf("probe: 1 of 3 inputs failed: %w", ErrInputsFailed), exitFailed, "1 of 3 inputs failed"},
		{"run failed", []string{"demo"}, nil, errors.New("disk full"), exitFailed, "disk full"},
		{"multi-line error stays on one line", []string{"demo"}, nil, errors.New("a\nb"), exitFailed, "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			r := runDemo(t, context.Background(), tt.args, tt.runErr)
			if r.code != tt.wantCode {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, tt.wantCode, r.stderr)
			}
			if tt.wantErr == "" {
				if r.stderr != "" {
					t.Errorf("stderr = %q, want empty", r.stderr)
				}
				return
			}
			if !strings.HasPrefix(r.stderr, "kneescreen: ") || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want one line starting \"kneescreen: \" containing %q", r.stderr, tt.wantErr)
			}
		})
	}
}

func TestInterruptedExit(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := runDemo(t, ctx, []string{"demo"}, nil)
	if r.code != exitInterrupted {
		t.Errorf("exit %d, want %d (stderr %q)", r.code, exitInterrupted, r.stderr)
	}
}

func TestVersion(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"version"}, &out, &errOut)
	if code != exitOK || !strings.HasPrefix(out.String(), "kneescreen ") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	old := version
	t.Cleanup(func() { version = old })
	version = "v9.8.7"
	out.Reset()
	run(context.Background(), []string{"version"}, &out, &errOut)
	if !strings.HasPrefix(out.String(), "kneescreen v9.8.7") {
		t.Errorf("with -ldflags version: %q", out.String())
	}
}

func TestHelpExitsZero(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, &errOut); code != exitOK {
		t.Errorf("--help exit %d", code)
	}
	if !strings.Contains(out.String(), "version") {
		t.Errorf("help does not list the version command: %q", out.String())
	}
}
