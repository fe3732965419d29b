// Package auth holds the clinic server's credentials logic: password
// hashes, session and API token secrets, and the login rate limiter.
//
// Passwords are hashed with argon2id (golang.org/x/crypto/argon2) at the
// OWASP minimum (19 MiB, 2 passes, 1 lane) and stored in the PHC string
// format, "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", so the cost can
// be raised later and old hashes still verify. argon2id rather than bcrypt:
// it is memory-hard (a GPU farm gains far less against it), it has no
// 72-byte password limit, and it is OWASP's first recommendation. Its cost
// is memory per attempt, which is why the server runs few hashes at once
// and rate-limits logins.
//
// Tokens are 32 random bytes (base64url); only their SHA-256 is stored,
// so the database alone grants no access.
package auth
