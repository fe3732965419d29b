package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// fast keeps tests quick; the format and checks are the same.
var fast = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	h, err := Hash("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q", h)
	}
	h2, _ := Hash("correct horse battery", fast)
	if h == h2 {
		t.Error("two hashes of one password are equal (no salt?)")
	}
	for _, c := range []struct {
		pw   string
		want bool
	}{{"correct horse battery", true}, {"correct horse batterY", false}, {"", false}} {
		ok, err := Verify(h, c.pw)
		if err != nil || ok != c.want {
			t.Errorf("Verify(%q) = %v, %v; want %v", c.pw, ok, err, c.want)
		}
	}
	if ok, err := Verify(dummyHash(), "x"); ok || err != nil {
		t.Errorf("dummy hash: %v, %v", ok, err)
	}
	// The default cost decodes and verifies too.
	hd, _ := Hash("pw-0123456789", DefaultParams)
	if ok, _ := Verify(hd, "pw-0123456789"); !ok {
		t.Error("default-cost hash does not verify")
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	good, _ := Hash("pw", fast)
	parts := strings.Split(good, "$")
	for _, bad := range []string{
		"", "$", "plain", "$2a$10$bcrypt", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, "m=64", "m=99999999", 1),
		strings.Replace(good, "t=1", "t=0", 1),
		strings.Join(append(parts[:4:4], "!!!", parts[5]), "$"),
		strings.Join(append(parts[:5:5], "AA"), "$"),
		good + "$extra",
	} {
		if ok, err := Verify(bad, "pw"); ok || !errors.Is(err, ErrBadHash) {
			t.Errorf("Verify(%q) = %v, %v; want ErrBadHash", bad, ok, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	good, _ := Hash("pw", fast)
	f.Add(good, "pw")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "")
	f.Fuzz(func(t *testing.T, enc, pw string) {
		if strings.Contains(enc, "m=") && !strings.Contains(enc, "m=8,") && !strings.Contains(enc, "m=64,") {
			return // keep fuzzing cheap: only tiny memory costs are run
		}
		_, _ = Verify(enc, pw)
	})
}

func TestTokens(t *testing.T) {
	s1, h1 := NewToken()
	s2, _ := NewToken()
	if s1 == s2 || len(s1) != 43 || string(TokenHash(s1)) != string(h1) || len(h1) != 32 {
		t.Errorf("tokens %q %q", s1, s2)
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(3)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := l.Allow("ip:1", "user:ann"); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	ok, wait := l.Allow("ip:1", "user:ann")
	if ok || wait <= 0 || wait > 20*time.Second {
		t.Errorf("4th attempt in a minute: %v, wait %s; want refused, about 20 s", ok, wait)
	}
	// The same user from elsewhere is limited too; another user from a
	// fresh address is not.
	if ok, _ := l.Allow("ip:2", "user:ann"); ok {
		t.Error("user limit bypassed from another address")
	}
	if ok, _ := l.Allow("ip:3", "user:bob"); !ok {
		t.Error("unrelated login refused")
	}
	now = now.Add(21 * time.Second)
	if ok, _ := l.Allow("ip:1", "user:ann"); !ok {
		t.Error("attempt refused after the refill")
	}
	now = now.Add(time.Hour)
	l.Allow("ip:9")
	if len(l.keys) != 1 {
		t.Errorf("%d keys kept after an hour, want only the fresh one", len(l.keys))
	}
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:5555":              "ip:127.0.0.1",
		"[2001:db8::1:2:3:4]:80":      "ip:2001:db8::",
		"[2001:db8:0:0:ffff::1]:8080": "ip:2001:db8::",
		"weird":                       "ip:weird",
	} {
		if got := ClientKey(in); got != want {
			t.Errorf("ClientKey(%q) = %q, want %q", in, got, want)
		}
	}
}
