package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/kneescreen/kneescreen/server"
	"github.com/kneescreen/kneescreen/server/auth"
	"github.com/kneescreen/kneescreen/server/store"
)

func TestServeOptions(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
		check    func(t *testing.T, o *ServeOptions)
	}{
		{name: "defaults", args: []string{"serve", "--data", "d"}, check: func(t *testing.T, o *ServeOptions) {
			c := o.Config
			if c.Addr != "127.0.0.1:8080" || c.Workers != 1 || c.AckWait != 30*time.Second || c.MaxDeliver != 3 || c.MaxUploadMB != 1024 ||
				c.PurgeAfter != 30*24*time.Hour || c.Model != "lightning" || !c.Symmetric || c.AdminPassword != "" {
				t.Errorf("defaults %+v", c)
			}
		}},
		{name: "flags and secrets from the environment", args: []string{"serve", "--data", "d", "--workers", "0", "--nats-listen", "0.0.0.0:4222",
			"--ack-wait", "5s", "--max-upload-mb", "64"},
			env: map[string]string{"KNEESCREEN_SERVE_ADMIN_PASSWORD": "from-the-env", "KNEESCREEN_SERVE_NATS_TOKEN": "tok"},
			check: func(t *testing.T, o *ServeOptions) {
				c := o.Config
				if c.Workers != 0 || c.NATSListen != "0.0.0.0:4222" || c.AckWait != 5*time.Second || c.MaxUploadMB != 64 ||
					c.AdminPassword != "from-the-env" || c.NATSToken != "tok" {
					t.Errorf("config %+v", c)
				}
			}},
		{name: "thresholds reach the workers", args: []string{"serve", "--data", "d"}, env: map[string]string{"KNEESCREEN_THRESHOLDS_FPPA_FEMALE_FLAG_DEG": "18"},
			check: func(t *testing.T, o *ServeOptions) {
				if o.Screening.Thresholds.FPPA.FemaleFlagDeg != 18 {
					t.Errorf("threshold %v", o.Screening.Thresholds.FPPA.FemaleFlagDeg)
				}
			}},
		{name: "no data folder", args: []string{"serve"}, wantCode: exitUsage, wantErr: "--data must name"},
		{name: "own NATS certificate", args: []string{"serve", "--data", "d", "--nats-listen", ":4222", "--nats-tls-cert", "c.pem", "--nats-tls-key", "k.pem"},
			check: func(t *testing.T, o *ServeOptions) {
				if o.Config.NATSTLSCert != "c.pem" || o.Config.NATSTLSKey != "k.pem" {
					t.Errorf("config %+v", o.Config)
				}
			}},
		{name: "NATS certificate names", args: []string{"serve", "--data", "d", "--nats-listen", ":4222", "--nats-tls-name", "a.lan", "--nats-tls-name", "10.0.0.2"},
			check: func(t *testing.T, o *ServeOptions) {
				if strings.Join(o.Config.NATSTLSNames, " ") != "a.lan 10.0.0.2" {
					t.Errorf("names %q", o.Config.NATSTLSNames)
				}
			}},
		{name: "NATS certificate without its key", args: []string{"serve", "--data", "d", "--nats-listen", ":4222", "--nats-tls-cert", "c.pem"},
			wantCode: exitUsage, wantErr: "--nats-tls-cert and --nats-tls-key together"},
		{name: "NATS key without its certificate", args: []string{"serve", "--data", "d", "--nats-listen", ":4222", "--nats-tls-key", "k.pem"},
			wantCode: exitUsage, wantErr: "--nats-tls-cert and --nats-tls-key together"},
		{name: "NATS certificate name not a name", args: []string{"serve", "--data", "d", "--nats-listen", ":4222", "--nats-tls-name", "tls://a:4222"},
			wantCode: exitUsage, wantErr: "--nats-tls-name"},
		{name: "CA of an existing NATS", args: []string{"serve", "--data", "d", "--nats", "tls://n1:4222"}, env: map[string]string{"KNEESCREEN_SERVE_NATS_CA_FILE": "ca.pem"},
			check: func(t *testing.T, o *ServeOptions) {
				if c := o.Config.serverConfig(); c.NATSCAFile != "ca.pem" || c.NATSURL != "tls://n1:4222" {
					t.Errorf("server config CA %q URL %q", c.NATSCAFile, c.NATSURL)
				}
			}},
		{name: "CA without an existing NATS", args: []string{"serve", "--data", "d", "--nats-ca-file", "ca.pem"}, wantCode: exitUsage, wantErr: "--nats-ca-file needs --nats"},
		{name: "both NATS modes", args: []string{"serve", "--data", "d", "--nats", "nats://x", "--nats-listen", ":4222"}, wantCode: exitUsage, wantErr: "exclude each other"},
		{name: "negative workers", args: []string{"serve", "--data", "d", "--workers", "-1"}, wantCode: exitUsage, wantErr: "--workers"},
		{name: "tiny ack wait", args: []string{"serve", "--data", "d", "--ack-wait", "10ms"}, wantCode: exitUsage, wantErr: "--ack-wait"},
		{name: "no upload room", args: []string{"serve", "--data", "d", "--max-upload-mb", "0"}, wantCode: exitUsage, wantErr: "--max-upload-mb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var got *ServeOptions
			code, _, stderr := runCapture(t, "serve", tt.args, func(app *App) *cobra.Command {
				return NewCmdServe(app, func(_ context.Context, o *ServeOptions) error { got = o; return nil })
			})
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			if tt.wantErr != "" {
				if !strings.Contains(stderr, tt.wantErr) || strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr %q, want one line mentioning %q", stderr, tt.wantErr)
				}
				return
			}
			tt.check(t, got)
		})
	}
}

func TestWorkerOptions(t *testing.T) {
	tokenFile := writeFile(t, "token", "secret\n")
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		wantErr  string
		check    func(t *testing.T, o *WorkerOptions)
	}{
		{name: "flags", args: []string{"worker", "--nats", "nats://a:4222", "--nats-token-file", tokenFile, "--analyses", "2", "--threads", "4", "--name", "gpu1"},
			check: func(t *testing.T, o *WorkerOptions) {
				c := o.Config
				if c.NATS != "nats://a:4222" || c.NATSTokenFile != tokenFile || c.Analyses != 2 || c.Threads != 4 || c.Name != "gpu1" {
					t.Errorf("config %+v", c)
				}
			}},
		{name: "token from the environment", args: []string{"worker", "--nats", "nats://a:4222"}, env: map[string]string{"KNEESCREEN_WORKER_NATS_TOKEN": "t"},
			check: func(t *testing.T, o *WorkerOptions) {
				if o.Config.NATSToken != "t" {
					t.Errorf("token %q", o.Config.NATSToken)
				}
			}},
		{name: "CA file from the environment", args: []string{"worker", "--nats", "tls://a:4222"}, env: map[string]string{"KNEESCREEN_WORKER_NATS_CA_FILE": "ca.pem"},
			check: func(t *testing.T, o *WorkerOptions) {
				if o.Config.NATSCAFile != "ca.pem" {
					t.Errorf("CA file %q", o.Config.NATSCAFile)
				}
			}},
		{name: "no NATS", args: []string{"worker"}, wantCode: exitUsage, wantErr: "--nats must give"},
		{name: "no analyses", args: []string{"worker", "--nats", "nats://a", "--analyses", "0"}, wantCode: exitUsage, wantErr: "--analyses"},
		{name: "two tokens", args: []string{"worker", "--nats", "nats://a", "--nats-token-file", tokenFile}, env: map[string]string{"KNEESCREEN_WORKER_NATS_TOKEN": "t"},
			wantCode: exitUsage, wantErr: "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var got *WorkerOptions
			code, _, stderr := runCapture(t, "worker", tt.args, func(app *App) *cobra.Command {
				return NewCmdWorker(app, func(_ context.Context, o *WorkerOptions) error { got = o; return nil })
			})
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", code, tt.wantCode, stderr)
			}
			if tt.wantErr != "" {
				if !strings.Contains(stderr, tt.wantErr) || strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr %q, want one line mentioning %q", stderr, tt.wantErr)
				}
				return
			}
			tt.check(t, got)
		})
	}
}

// TestUsersCommand adds, lists and re-passwords users in a server's data
// folder with the real command.
func TestUsersCommand(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	runUsersArgs := func(env map[string]string, args ...string) (int, string, string) {
		for k, v := range env {
			t.Setenv(k, v)
		}
		var out, errOut bytes.Buffer
		code := run(ctx, args, &out, &errOut)
		for k := range env {
			os.Unsetenv(k)
		}
		return code, out.String(), errOut.String()
	}
	if code, _, stderr := runUsersArgs(nil, "users", "list", "--data", data); code != exitUsage || !strings.Contains(stderr, "start 'kneescreen serve") {
		t.Errorf("users on an empty folder: %d %q", code, stderr)
	}
	st, err := store.Open(ctx, server.DBPath(data))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	pw := map[string]string{"KNEESCREEN_USERS_PASSWORD": "long enough password"}
	if code, out, stderr := runUsersArgs(pw, "users", "add", "alice", "--data", data, "--clinic", "north"); code != 0 || out != "added alice (clinician, clinic \"north\")\n" {
		t.Fatalf("add: %d %q %q", code, out, stderr)
	}
	if code, _, stderr := runUsersArgs(pw, "users", "add", "Alice", "--data", data); code != exitFailed || !strings.Contains(stderr, "already exists") {
		t.Errorf("add twice: %d %q", code, stderr)
	}
	if code, _, stderr := runUsersArgs(map[string]string{"KNEESCREEN_USERS_PASSWORD": "short"}, "users", "add", "bob", "--data", data); code != exitUsage || !strings.Contains(stderr, "at least 10") {
		t.Errorf("short password: %d %q", code, stderr)
	}
	if code, _, stderr := runUsersArgs(nil, "users", "add", "bob", "--data", data); code != exitUsage || !strings.Contains(stderr, "not a terminal") {
		t.Errorf("no password, no terminal: %d %q", code, stderr)
	}
	for _, args := range [][]string{{"users"}, {"users", "add"}, {"users", "remove", "alice"}, {"users", "add", "x y", "--data", data}} {
		if code, _, _ := runUsersArgs(pw, append(args, "--data", data)...); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, stderr := runUsersArgs(map[string]string{"KNEESCREEN_USERS_PASSWORD": "a new password"}, "users", "password", "alice", "--data", data); code != 0 {
		t.Errorf("password: %d %q", code, stderr)
	}
	code, out, _ := runUsersArgs(nil, "users", "list", "--data", data)
	if code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "north") {
		t.Errorf("list: %d %q", code, out)
	}
	st, _ = store.Open(ctx, filepath.Join(data, "kneescreen.db"))
	defer st.Close()
	u, _ := st.UserByName(ctx, "alice")
	if ok, _ := auth.Verify(u.PasswordHash, "a new password"); !ok {
		t.Error("the new password does not verify")
	}
}
