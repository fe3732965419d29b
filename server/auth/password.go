package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	// Memory in KiB, Time in passes, Threads in lanes.
	Memory  uint32
	Time    uint32
	Threads uint8
}

// DefaultParams are OWASP's minimum for argon2id (Password Storage Cheat
// Sheet): 19 MiB, 2 passes, 1 lane; about 30 ms on one core.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1}

const (
	saltLen = 16
	keyLen  = 32
)

// ErrBadHash: a stored hash is not an argon2id PHC string.
var ErrBadHash = errors.New("auth: not an argon2id password hash")

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10

// CheckPassword says why a new password is unacceptable (nil when fine).
func CheckPassword(p string) error {
	if len(p) < MinPasswordLen {
		return fmt.Errorf("auth: password must have at least %d characters", MinPasswordLen)
	}
	if len(p) > 1024 {
		return fmt.Errorf("auth: password must have at most 1024 bytes")
	}
	return nil
}

// Hash returns the PHC string of password with a fresh salt.
func Hash(password string, p Params) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// Verify reports whether password matches the PHC string encoded, in time
// that does not depend on where they differ.
func Verify(encoded, password string) (bool, error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// dummyHash is verified against when a user name is unknown, so a login
// takes as long for a missing user as for a wrong password. It is made on
// first use, not at package init: every kneescreen command links this
// package, and an argon2 hash at init cost each of them 20 MB and tens to
// hundreds of milliseconds before it could even handle Ctrl-C.
var dummyHash = sync.OnceValue(func() string {
	h, _ := Hash("kneescreen dummy password", DefaultParams)
	return h
})

// VerifyMissing spends the time of one Verify and returns false.
func VerifyMissing(password string) bool {
	_, _ = Verify(dummyHash(), password)
	return false
}

func decode(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrBadHash
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("%w: version %q", ErrBadHash, parts[2])
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Memory < 8 || p.Memory > 4<<20 || p.Time < 1 || p.Time > 100 || p.Threads < 1 {
		return Params{}, nil, nil, fmt.Errorf("%w: parameters %q", ErrBadHash, parts[3])
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, fmt.Errorf("%w: salt", ErrBadHash)
	}
	key, err := enc.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return Params{}, nil, nil, fmt.Errorf("%w: key", ErrBadHash)
	}
	return p, salt, key, nil
}
