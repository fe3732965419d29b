package main

// How the CLI is put together (read this before adding a command):
//
//   - Every command lives in its own file, cmd/kneescreen/<name>.go, with
//     an Options struct (its typed Config plus run-time inputs such as
//     positional arguments and output streams) and a constructor
//     NewCmdX(app *App, runF func(context.Context, *XOptions) error).
//     runF is nil in production (the command's own runX is used); tests pass
//     a function that captures the Options, so flag, env and file handling
//     are tested without running the command.
//   - The constructor declares its flags and binds each to a configuration
//     key with bindFlag(cmd.Flags(), "flag-name", "section.key"). The same
//     key is read from the YAML file (section: {key: ...}) and from the
//     environment (KNEESCREEN_SECTION_KEY; dots and dashes become
//     underscores). Precedence: flag > env > file > flag default. Avoid
//     keys whose variable is taken: KNEESCREEN_CONFIG, KNEESCREEN_SHARED.
//   - Flags that several commands share are declared once, in options.go,
//     as a typed struct and an addXFlags function: ModelConfig (model,
//     models-dir, threads), PassConfig (symmetric, lanes, estimate-hz),
//     ScreeningConfig (movement, view, stance, sex), OutputConfig (formats,
//     video-max-side).
//     A command embeds them (mapstructure ",squash") in its Config, so their
//     keys are in its own section. Enumerations are typed
//     (screening.Movement, report.Formats, ...) and parsed once, when the
//     configuration is decoded (see App.decode); a bad value is a usage
//     error naming its key.
//   - RunE ends with app.run(cmd, "section", &opts.Config, func(ctx) error {...}):
//     it decodes the section into the typed Config, calls its Validate, and
//     only then runs the command with a context that SIGINT cancels.
//   - What a command needs from outside (loading the pose model, running an
//     analysis) comes from app.Deps into fields of its Options, so tests
//     run the command's run function with fakes (see deps.go).
//   - newRootCmd below lists every command explicitly: add the new one
//     there.
//
// Exit codes are decided in exitCode only: 0 success, 1 the command ran and
// failed (for multi-input commands: some inputs failed), 2 usage error
// (unknown command or flag, bad argument count, bad flag/env/file value,
// unreadable config file), 130 interrupted. A failing command's error is
// printed as exactly one line "kneescreen: <error>" on stderr; commands
// with several inputs also print one such line per failed input.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/kneescreen/kneescreen/vision"
)

// Exit codes; see the comment at the top of this file.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130
)

// ErrInputsFailed reports that a command handling several inputs finished,
// but some of them failed (each was already reported on stderr). It maps to
// exit code 1.
var ErrInputsFailed = errors.New("some inputs failed")

// inputsFailed is the error a command ends with when failed of its total
// inputs failed, each already reported on stderr in its own line. With one
// input that line said it all, so the count is not printed after it: one
// failure, one line.
func inputsFailed(cmd string, failed, total int) error {
	err := fmt.Errorf("%s: %d of %d inputs failed: %w", cmd, failed, total, ErrInputsFailed)
	if total == 1 {
		return &saidError{err}
	}
	return err
}

// saidError is an error whose message is already on stderr: execute maps
// it to its exit code and prints nothing more.
type saidError struct{ err error }

func (e *saidError) Error() string { return e.err.Error() }
func (e *saidError) Unwrap() error { return e.err }

// UsageError marks an error as the user's mistake in how kneescreen was
// invoked or configured; it maps to exit code 2.
type UsageError struct{ Err error }

// Error returns the underlying message unchanged.
func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *UsageError) Unwrap() error { return e.Err }

// App holds what every command of one command tree shares: the output
// streams, the dependencies and the single viper instance holding flags,
// env and file values. Only typed Config structs leave this package, never
// viper.
type App struct {
	Out, Err io.Writer
	// Deps are handed to the commands' Options; tests replace them.
	Deps Deps
	v    *viper.Viper
	// started is set once a command has decoded and validated its Config
	// and begins real work; errors before that point are usage errors.
	started bool
}

// Main runs kneescreen with the process's arguments and returns its exit
// code. SIGINT and SIGTERM cancel the command's context; a second signal
// kills the process the default way.
func Main() int {
	// A live session's display probe runs this binary as its child.
	vision.ServeDisplayProbe()
	vision.Quiet() // our one-line errors, not OpenCV's and FFmpeg's logs
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // restore default handling so a second ^C ends the process
	}()
	return run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

// run builds a fresh command tree, executes args and returns the exit code.
// Tests call it directly instead of starting a process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := &App{Out: stdout, Err: stderr, Deps: defaultDeps(), v: newViper()}
	return execute(ctx, app, newRootCmd(app), args)
}

// execute runs args on root and turns the outcome into an exit code and at
// most one line on app.Err.
func execute(ctx context.Context, app *App, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	root.SetOut(app.Out)
	root.SetErr(app.Err)
	err := root.ExecuteContext(ctx)
	code := exitCode(app, ctx, err)
	var said *saidError
	if err != nil && (!errors.As(err, &said) || code == exitInterrupted) {
		msg := oneLine(err.Error())
		switch code {
		case exitUsage:
			msg += " (see 'kneescreen --help')"
		case exitInterrupted:
			msg = "interrupted"
		}
		fmt.Fprintf(app.Err, "kneescreen: %s\n", msg)
	}
	return code
}

// exitCode is the one place that maps an error to an exit code.
func exitCode(app *App, ctx context.Context, err error) int {
	var usage *UsageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage) || !app.started:
		return exitUsage
	case ctx.Err() != nil && errors.Is(err, context.Canceled):
		return exitInterrupted
	default:
		return exitFailed
	}
}

// newRootCmd builds the command tree with every command.
func newRootCmd(app *App) *cobra.Command {
	root := &cobra.Command{
		Use:   "kneescreen",
		Short: "Screen squats and step-downs from video",
		Long: `kneescreen screens squats and step-downs from video: it decodes frames,
estimates body pose and measures knee valgus and related screening metrics.

Configuration: every flag can also be set in a YAML file (--config) or in
the environment as KNEESCREEN_<SECTION>_<KEY>; flags win over environment,
environment over the file, the file over defaults.`,
		SilenceErrors: true, // run prints the one-line error itself
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return app.configure(cmd)
		},
	}
	root.PersistentFlags().String("config", "", "YAML configuration `file` (env KNEESCREEN_CONFIG)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(
		NewCmdAnalyze(app, nil),
		NewCmdLive(app, nil),
		NewCmdPose(app, nil),
		NewCmdProbe(app, nil),
		NewCmdBench(app, nil),
		NewCmdModels(app),
		NewCmdSample(app, nil),
		NewCmdServe(app, nil),
		NewCmdWorker(app, nil),
		NewCmdUsers(app, nil),
		NewCmdVersion(app, nil),
	)
	return root
}

// usageArgs wraps a cobra positional-argument check so its failures are
// usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			// The usage line says what to give instead ("live clip.mp4"
			// reads as a command; the line shows --camera FILE).
			return &UsageError{Err: fmt.Errorf("%s: %w; usage: %s", cmd.Name(), err, cmd.UseLine())}
		}
		return nil
	}
}

// oneLine keeps an error message on one line (some library errors, e.g.
// YAML decoders, span several).
func oneLine(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r == '\n' || r == '\r' {
			out[i] = ' '
		}
	}
	return string(out)
}

// flagSet is the subset of pflag.FlagSet used by bindFlag, to keep its
// signature honest.
type flagSet interface{ Lookup(string) *pflag.Flag }
