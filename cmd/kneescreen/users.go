package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/kneescreen/kneescreen/server"
	"github.com/kneescreen/kneescreen/server/auth"
	"github.com/kneescreen/kneescreen/server/store"
)

// UsersConfig is the users command's configuration (section "users").
type UsersConfig struct {
	Data   string `mapstructure:"data"`
	Clinic string `mapstructure:"clinic"`
	Role   string `mapstructure:"role"`
	// Password is read from KNEESCREEN_USERS_PASSWORD (never a flag).
	Password string `mapstructure:"password"`
}

// Validate implements validator.
func (c *UsersConfig) Validate() error {
	if strings.TrimSpace(c.Data) == "" {
		return errors.New("users: --data must name the server's data folder")
	}
	if _, err := store.ParseRole(c.Role); err != nil {
		return fmt.Errorf("users: --role: %w", err)
	}
	if strings.TrimSpace(c.Clinic) == "" {
		return errors.New("users: --clinic must not be empty")
	}
	return nil
}

// UsersOptions holds the users command's inputs.
type UsersOptions struct {
	Config UsersConfig
	// Action is add, list or password; Name the user's.
	Action, Name string
	In           io.Reader
	Out, Err     io.Writer
}

// NewCmdUsers builds "kneescreen users add|list|password".
func NewCmdUsers(app *App, runF func(context.Context, *UsersOptions) error) *cobra.Command {
	opts := &UsersOptions{}
	if runF == nil {
		runF = runUsers
	}
	cmd := &cobra.Command{
		Use:   "users add NAME | list | password NAME",
		Short: "Add clinicians to the clinic server, list them, or set a password",
		Long: `users manages the clinic server's accounts in its data folder (it may run while
the server does). A user belongs to one clinic and sees only that clinic's
subjects. The password comes from KNEESCREEN_USERS_PASSWORD, or is asked
for on a terminal; it needs at least 10 characters.`,
		Example: `  kneescreen users add alice --data /srv/kneescreen --clinic physio-north
  kneescreen users list --data /srv/kneescreen
  kneescreen users password alice --data /srv/kneescreen`,
		Args: usageArgs(func(cmd *cobra.Command, args []string) error {
			switch {
			case len(args) == 2 && (args[0] == "add" || args[0] == "password"):
			case len(args) == 1 && args[0] == "list":
			default:
				return errors.New("want 'add NAME', 'list' or 'password NAME'")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Action, opts.In, opts.Out, opts.Err = args[0], os.Stdin, app.Out, app.Err
			if len(args) > 1 {
				opts.Name = args[1]
			}
			_ = app.v.BindEnv("users.password")
			return app.run(cmd, "users", &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
	fs := cmd.Flags()
	fs.String("data", "", "the server's data `folder`")
	fs.String("clinic", "clinic", "the new user's clinic (created if new)")
	fs.String("role", string(store.RoleClinician), "the new user's role: clinician or admin")
	for _, name := range []string{"data", "clinic", "role"} {
		bindFlag(fs, name, "users."+name)
	}
	return cmd
}

func runUsers(ctx context.Context, opts *UsersOptions) error {
	c := &opts.Config
	if _, err := os.Stat(server.DBPath(c.Data)); err != nil {
		return &UsageError{Err: fmt.Errorf("users: no server database in %s (start 'kneescreen serve --data %s' once first)", c.Data, c.Data)}
	}
	st, err := store.Open(ctx, server.DBPath(c.Data))
	if err != nil {
		return err
	}
	defer st.Close()
	switch opts.Action {
	case "list":
		users, err := st.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(opts.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tCLINIC\tROLE\tCREATED")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Username, u.Clinic, u.Role, u.Created.Format("2006-01-02"))
		}
		return tw.Flush()
	}
	name := strings.TrimSpace(opts.Name)
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n:") {
		return &UsageError{Err: fmt.Errorf("users: user name %q: 1 to 64 characters, no spaces or colons", opts.Name)}
	}
	pw := c.Password
	if pw == "" {
		if pw, err = promptPassword(opts.In, opts.Err, "password for "+name); err != nil {
			return err
		}
	}
	if err := auth.CheckPassword(pw); err != nil {
		return &UsageError{Err: fmt.Errorf("users: %w", err)}
	}
	hash, err := auth.Hash(pw, auth.DefaultParams)
	if err != nil {
		return err
	}
	if opts.Action == "password" {
		if err := st.SetPassword(ctx, name, hash); err != nil {
			return fmt.Errorf("users: %w", err)
		}
		fmt.Fprintf(opts.Out, "password of %s changed\n", name)
		return nil
	}
	role, _ := store.ParseRole(c.Role)
	u, err := st.CreateUser(ctx, c.Clinic, name, hash, role)
	if err != nil {
		return fmt.Errorf("users: %w", err)
	}
	fmt.Fprintf(opts.Out, "added %s (%s, clinic %q)\n", u.Username, u.Role, u.Clinic)
	return nil
}

// promptPassword asks for a new password twice on a terminal.
func promptPassword(in io.Reader, prompt io.Writer, what string) (string, error) {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", &UsageError{Err: fmt.Errorf("no %s: set it in the environment (see --help); not asking, standard input is not a terminal", what)}
	}
	read := func(label string) (string, error) {
		fmt.Fprintf(prompt, "%s: ", label)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(prompt)
		return string(b), err
	}
	a, err := read(strings.ToUpper(what[:1]) + what[1:])
	if err != nil {
		return "", err
	}
	b, err := read("Again")
	if err != nil {
		return "", err
	}
	if a != b {
		return "", &UsageError{Err: errors.New("the two passwords differ")}
	}
	return a, nil
}
