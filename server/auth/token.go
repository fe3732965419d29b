package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// NewToken returns a fresh secret for a client and the hash to store.
func NewToken() (secret string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, TokenHash(secret)
}

// TokenHash is what is stored for a secret.
func TokenHash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Limiter allows each key a burst of attempts, refilled evenly over a
// minute (a token bucket per key, from golang.org/x/time/rate). Keys
// unseen for ten minutes are forgotten, so memory stays bounded by the
// keys of the last ten minutes.
type Limiter struct {
	perMinute int
	mu        sync.Mutex
	keys      map[string]*limit
	lastSweep time.Time
	now       func() time.Time
}

type limit struct {
	l    *rate.Limiter
	seen time.Time
}

// NewLimiter allows perMinute attempts a minute per key (bursts of up to
// perMinute).
func NewLimiter(perMinute int) *Limiter {
	return &Limiter{perMinute: max(1, perMinute), keys: map[string]*limit{}, now: time.Now}
}

// Allow spends one attempt of every key and reports whether all had one;
// when not, it returns how long until they will.
func (l *Limiter) Allow(keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.lastSweep) > time.Minute {
		for k, v := range l.keys {
			if now.Sub(v.seen) > 10*time.Minute {
				delete(l.keys, k)
			}
		}
		l.lastSweep = now
	}
	ok, wait := true, time.Duration(0)
	for _, k := range keys {
		v := l.keys[k]
		if v == nil {
			v = &limit{l: rate.NewLimiter(rate.Every(time.Minute/time.Duration(l.perMinute)), l.perMinute)}
			l.keys[k] = v
		}
		v.seen = now
		r := v.l.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			r.CancelAt(now)
			ok, wait = false, max(wait, d)
		}
	}
	return ok, wait
}

// ClientKey is the rate-limit key of a request's remote address: the IP,
// or its /64 for IPv6 (one host usually holds a whole /64).
func ClientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return "ip:" + host
	}
	if ip.To4() == nil {
		return "ip:" + ip.Mask(net.CIDRMask(64, 128)).String()
	}
	return "ip:" + ip.String()
}

// UserKey is the rate-limit key of a user name.
func UserKey(name string) string { return "user:" + strings.ToLower(name) }
