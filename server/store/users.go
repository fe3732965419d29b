package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Role is what a user may do beyond their clinic's records.
type Role string

// The roles. An admin may also add users (kneescreen users add does not
// need one: it works on the database file directly).
const (
	RoleAdmin     Role = "admin"
	RoleClinician Role = "clinician"
)

// ParseRole checks a role name.
func ParseRole(s string) (Role, error) {
	switch Role(s) {
	case RoleAdmin, RoleClinician:
		return Role(s), nil
	}
	return "", fmt.Errorf("store: role %q: want admin or clinician", s)
}

// User is an account.
type User struct {
	ID       int64
	ClinicID int64
	Clinic   string
	Username string
	// PasswordHash is the encoded password hash (see package auth).
	PasswordHash string
	Role         Role
	Created      time.Time
}

// TokenKind separates browser login sessions from API tokens.
type TokenKind string

// The token kinds.
const (
	TokenWeb TokenKind = "web"
	TokenAPI TokenKind = "api"
)

// EnsureClinic returns the id of the clinic named name, creating it.
func (s *Store) EnsureClinic(ctx context.Context, name string) (int64, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO clinics (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING`,
		name, s.stamp()); err != nil {
		return 0, fmt.Errorf("store: clinic %q: %w", name, err)
	}
	var id int64
	if err := s.db.QueryRowContext(ctx, `SELECT id FROM clinics WHERE name = ?`, name).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: clinic %q: %w", name, err)
	}
	return id, nil
}

// CreateUser adds a user to the clinic named clinic (created if needed).
// A taken user name gives ErrExists.
func (s *Store) CreateUser(ctx context.Context, clinic, username, passwordHash string, role Role) (User, error) {
	cid, err := s.EnsureClinic(ctx, clinic)
	if err != nil {
		return User{}, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO users (clinic_id, username, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?)`,
		cid, username, passwordHash, string(role), s.stamp())
	if isUnique(err) {
		return User{}, fmt.Errorf("%w: user %q", ErrExists, username)
	}
	if err != nil {
		return User{}, fmt.Errorf("store: create user %q: %w", username, err)
	}
	id, _ := res.LastInsertId()
	return s.userWhere(ctx, "u.id = ?", id)
}

// SetPassword replaces a user's password hash.
func (s *Store) SetPassword(ctx context.Context, username, passwordHash string) error {
	err := affected(s.db.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE username = ?`, passwordHash, username))
	if err != nil {
		return fmt.Errorf("store: set password of %q: %w", username, err)
	}
	return nil
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// UserByName finds a user by name (case-insensitive).
func (s *Store) UserByName(ctx context.Context, username string) (User, error) {
	return s.userWhere(ctx, "u.username = ?", username)
}

// Users lists every user by clinic and name.
func (s *Store) Users(ctx context.Context) ([]User, error) {
	out, err := queryAll(ctx, s.db, scanUser, userSelect+` ORDER BY c.name, u.username`)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	return out, nil
}

const userSelect = `SELECT u.id, u.clinic_id, c.name, u.username, u.password_hash, u.role, u.created_at
	FROM users u JOIN clinics c ON c.id = u.clinic_id`

func (s *Store) userWhere(ctx context.Context, where string, arg any) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, userSelect+` WHERE `+where, arg))
	if err != nil {
		return User{}, fmt.Errorf("store: user: %w", one(err))
	}
	return u, nil
}

type scanner interface{ Scan(...any) error }

func scanUser(r scanner) (User, error) {
	var u User
	var role string
	var created sql.NullString
	if err := r.Scan(&u.ID, &u.ClinicID, &u.Clinic, &u.Username, &u.PasswordHash, &role, &created); err != nil {
		return User{}, err
	}
	u.Role, u.Created = Role(role), parseTime(created)
	return u, nil
}

// CreateToken records a login session or API token by the hash of its
// secret.
func (s *Store) CreateToken(ctx context.Context, hash []byte, userID int64, kind TokenKind, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO tokens (hash, user_id, kind, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		hash, userID, string(kind), s.stamp(), expires.UTC().Format(timeLayout))
	if err != nil {
		return fmt.Errorf("store: create token: %w", err)
	}
	return nil
}

// UserByToken returns the user owning an unexpired token of kind.
func (s *Store) UserByToken(ctx context.Context, hash []byte, kind TokenKind) (User, error) {
	u, err := scanUser(s.db.QueryRowContext(ctx, userSelect+` JOIN tokens t ON t.user_id = u.id
		WHERE t.hash = ? AND t.kind = ? AND t.expires_at > ?`, hash, string(kind), s.stamp()))
	if err != nil {
		return User{}, fmt.Errorf("store: token: %w", one(err))
	}
	return u, nil
}

// DeleteToken removes a token (logging out).
func (s *Store) DeleteToken(ctx context.Context, hash []byte) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE hash = ?`, hash)
	return err
}

// DeleteExpiredTokens removes tokens past their expiry and returns how
// many.
func (s *Store) DeleteExpiredTokens(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM tokens WHERE expires_at <= ?`, s.stamp())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
