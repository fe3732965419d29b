package natstls

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func readAll(t *testing.T, f Files) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, p := range []string{f.CA, f.CAKey, f.Cert, f.Key} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m[filepath.Base(p)] = b
	}
	return m
}

// verify checks that the certificate in dir is valid for name under the
// CA in dir, as a worker given nats-ca.pem checks it.
func verify(t *testing.T, dir, name string, now time.Time) error {
	t.Helper()
	f := In(dir)
	ca, err := os.ReadFile(f.CA)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatal("CA file holds no certificate")
	}
	served, err := Serve(f.Cert, f.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(served.Certificate().Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}

// TestEnsureLifecycle: the first start makes the CA and certificate (keys
// 0600); a restart changes no byte; a new name re-issues the certificate
// only (same CA, same key) and keeps the old names; a start near the
// certificate's end renews it.
func TestEnsureLifecycle(t *testing.T) {
	dir := t.TempDir()
	f := In(dir)
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	names := Names("127.0.0.1", nil)
	made, err := Ensure(dir, names, now)
	if err != nil {
		t.Fatal(err)
	}
	if !made.CA || !made.Cert {
		t.Errorf("first start made %+v, want the CA and the certificate", made)
	}
	for _, p := range []string{f.CAKey, f.Key} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
	for _, n := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := verify(t, dir, n, now); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if h, err := os.Hostname(); err == nil && CheckName(h) == nil {
		if err := verify(t, dir, h, now); err != nil {
			t.Errorf("host name %s: %v", h, err)
		}
	}
	first := readAll(t, f)

	t.Run("restart reuses everything", func(t *testing.T) {
		made, err := Ensure(dir, names, now.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if made.CA || made.Cert {
			t.Errorf("restart made %+v", made)
		}
		for name, b := range readAll(t, f) {
			if !bytes.Equal(b, first[name]) {
				t.Errorf("%s changed on restart", name)
			}
		}
	})
	t.Run("a new name re-issues the certificate from the same CA", func(t *testing.T) {
		if err := verify(t, dir, "server.clinic.lan", now); err == nil {
			t.Fatal("the certificate names server.clinic.lan before it was added")
		}
		made, err := Ensure(dir, Names("127.0.0.1", []string{"Server.Clinic.LAN", "10.9.8.7"}), now.Add(48*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if made.CA || !made.Cert {
			t.Errorf("adding a name made %+v, want the certificate only", made)
		}
		after := readAll(t, f)
		for _, name := range []string{CAFile, CAKeyFile, KeyFile} {
			if !bytes.Equal(after[name], first[name]) {
				t.Errorf("%s changed when a name was added", name)
			}
		}
		if bytes.Equal(after[CertFile], first[CertFile]) {
			t.Error("the certificate was not re-issued")
		}
		for _, n := range []string{"server.clinic.lan", "10.9.8.7", "localhost", "127.0.0.1"} {
			if err := verify(t, dir, n, now.Add(48*time.Hour)); err != nil {
				t.Errorf("%s after adding names: %v", n, err)
			}
		}
		// Forgetting the flag on the next start keeps the name.
		made, err = Ensure(dir, names, now.Add(72*time.Hour))
		if err != nil || made.Cert {
			t.Errorf("restart without the new name: %+v, %v", made, err)
		}
		if err := verify(t, dir, "server.clinic.lan", now.Add(72*time.Hour)); err != nil {
			t.Errorf("name dropped: %v", err)
		}
	})
	t.Run("renewed near its end", func(t *testing.T) {
		before := readAll(t, f)
		later := now.Add(certValidity - renewBefore/2)
		made, err := Ensure(dir, names, later)
		if err != nil || made.CA || !made.Cert {
			t.Fatalf("near the end: %+v, %v", made, err)
		}
		if err := verify(t, dir, "localhost", later.Add(renewBefore)); err != nil {
			t.Errorf("renewed certificate: %v", err)
		}
		after := readAll(t, f)
		if !bytes.Equal(after[CAFile], before[CAFile]) || !bytes.Equal(after[KeyFile], before[KeyFile]) {
			t.Error("renewal changed the CA or the key")
		}
	})
}

// TestEnsureRefuses: a CA whose key is missing, or a key that is not the
// CA's, is an error naming what to do, and nothing is overwritten.
func TestEnsureRefuses(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name    string
		breakIt func(t *testing.T, f Files)
		want    string
	}{
		{"CA key missing", func(t *testing.T, f Files) { os.Remove(f.CAKey) }, "one is missing"},
		{"CA certificate missing", func(t *testing.T, f Files) { os.Remove(f.CA) }, "one is missing"},
		{"CA key of another CA", func(t *testing.T, f Files) {
			other := t.TempDir()
			if _, err := Ensure(other, []string{"localhost"}, now); err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(In(other).CAKey)
			os.WriteFile(f.CAKey, b, 0o600)
		}, "is not the key of"},
		{"expired CA", func(t *testing.T, f Files) {}, "expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f := In(dir)
			if _, err := Ensure(dir, []string{"localhost"}, now); err != nil {
				t.Fatal(err)
			}
			tc.breakIt(t, f)
			left := map[string][]byte{}
			for _, p := range []string{f.CA, f.CAKey, f.Cert, f.Key} {
				if b, err := os.ReadFile(p); err == nil {
					left[p] = b
				}
			}
			at := now
			if tc.name == "expired CA" {
				at = now.Add(caValidity + time.Hour)
			}
			_, err := Ensure(dir, []string{"localhost"}, at)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			for p, b := range left {
				if got, _ := os.ReadFile(p); !bytes.Equal(got, b) {
					t.Errorf("%s overwritten", filepath.Base(p))
				}
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"server.clinic.lan", "host-1", "*.clinic.lan", "10.0.0.5", "fd00::1"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "tls://server", "server:4222", "a b", "server..lan", ".lan", "*."} {
		if err := CheckName(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestNames(t *testing.T) {
	got := Names("0.0.0.0", []string{"X.lan"})
	for _, want := range []string{"localhost", "127.0.0.1", "::1", "x.lan"} {
		if !slices.Contains(got, want) {
			t.Errorf("Names = %v, missing %s", got, want)
		}
	}
	if slices.Contains(got, "0.0.0.0") {
		t.Errorf("Names = %v names the wildcard", got)
	}
	if got := Names("nats.clinic.lan", nil); !slices.Contains(got, "nats.clinic.lan") {
		t.Errorf("Names = %v, missing the listen host", got)
	}
}

// TestServe: a pair that does not belong together is refused; one that
// does is served at TLS 1.2 or later.
func TestServe(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if _, err := Ensure(d, []string{"localhost"}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Serve(In(a).Cert, In(b).Key); err == nil {
		t.Error("a certificate with another's key was accepted")
	}
	s, err := Serve(In(a).Cert, In(a).Key)
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Config(); c.MinVersion < tls.VersionTLS12 || c.GetCertificate == nil {
		t.Errorf("Serve's configuration: min version %x, GetCertificate %v", c.MinVersion, c.GetCertificate != nil)
	} else if got, _ := c.GetCertificate(nil); got != s.Certificate() {
		t.Error("the configuration serves another certificate than Serve loaded")
	}
	if err := CheckCAFile(In(a).Key); err == nil {
		t.Error("a key file was accepted as a CA file")
	}
	if err := CheckCAFile(In(a).CA); err != nil {
		t.Error(err)
	}
}
