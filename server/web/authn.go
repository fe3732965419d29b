package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kneescreen/kneescreen/server/auth"
	"github.com/kneescreen/kneescreen/server/store"
)

// cookieName holds a browser's login secret.
const cookieName = "kneescreen_session"

var errUnauthorized = &httpError{status: http.StatusUnauthorized, msg: "authentication required"}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// checkPassword verifies a user name and password, rate-limited per
// address and per name, at most a few hashes at a time.
func (s *Server) checkPassword(r *http.Request, name, password string) (*store.User, error) {
	if ok, wait := s.limiter.Allow(auth.ClientKey(r.RemoteAddr), auth.UserKey(name)); !ok {
		secs := int(wait.Seconds()) + 1
		return nil, &retryAfter{secs: secs, httpError: httpError{status: http.StatusTooManyRequests,
			msg: fmt.Sprintf("too many login attempts; try again in %d s", secs)}}
	}
	select {
	case s.hashes <- struct{}{}:
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	defer func() { <-s.hashes }()
	u, err := s.st.UserByName(r.Context(), name)
	if errors.Is(err, store.ErrNotFound) || name == "" {
		auth.VerifyMissing(password)
		return nil, &httpError{status: http.StatusUnauthorized, msg: "wrong user name or password"}
	}
	if err != nil {
		return nil, err
	}
	ok, err := auth.Verify(u.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("web: user %q: %w", name, err)
	}
	if !ok {
		return nil, &httpError{status: http.StatusUnauthorized, msg: "wrong user name or password"}
	}
	return &u, nil
}

// retryAfter is a 429 with its Retry-After.
type retryAfter struct {
	httpError
	secs int
}

func (e *retryAfter) Unwrap() error { return &e.httpError }

func (s *Server) basicUser(w http.ResponseWriter, r *http.Request) (*store.User, error) {
	name, password, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="kneescreen", charset="UTF-8"`)
		return nil, errUnauthorized
	}
	u, err := s.checkPassword(r, name, password)
	var ra *retryAfter
	if errors.As(err, &ra) {
		w.Header().Set("Retry-After", strconv.Itoa(ra.secs))
	}
	return u, err
}

func (s *Server) bearerUser(w http.ResponseWriter, r *http.Request) (*store.User, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kneescreen"`)
		return nil, errUnauthorized
	}
	u, err := s.st.UserByToken(r.Context(), auth.TokenHash(strings.TrimSpace(secret)), store.TokenAPI)
	if errors.Is(err, store.ErrNotFound) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="kneescreen", error="invalid_token"`)
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

func (s *Server) cookieUser(r *http.Request) (*store.User, error) {
	c, err := r.Cookie(cookieName)
	if err != nil || c.Value == "" {
		return nil, errUnauthorized
	}
	u, err := s.st.UserByToken(r.Context(), auth.TokenHash(c.Value), store.TokenWeb)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// apiCreateToken: POST /api/tokens with HTTP basic credentials.
func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request, u *store.User) error {
	secret, hash := auth.NewToken()
	expires := s.now().Add(s.cfg.TokenTTL).UTC()
	if err := s.st.CreateToken(r.Context(), hash, u.ID, store.TokenAPI, expires); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": secret, "expires": expires.Format(time.RFC3339)})
	return nil
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, _ *store.User) error {
	if u, err := s.cookieUser(r); err == nil && u != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	return s.render(w, r, http.StatusOK, "login", "Log in", loginData{Next: safeNext(r.URL.Query().Get("next"))})
}

type loginData struct {
	Next, Error, Username string
}

func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *store.User) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return badRequest("bad form")
	}
	name, password := strings.TrimSpace(r.PostForm.Get("username")), r.PostForm.Get("password")
	next := safeNext(r.PostForm.Get("next"))
	u, err := s.checkPassword(r, name, password)
	if err != nil {
		var he *httpError
		var ra *retryAfter
		if errors.As(err, &ra) {
			w.Header().Set("Retry-After", strconv.Itoa(ra.secs))
		}
		if errors.As(err, &he) {
			return s.render(w, r, he.status, "login", "Log in", loginData{Next: next, Error: he.msg, Username: name})
		}
		return err
	}
	secret, hash := auth.NewToken()
	if err := s.st.CreateToken(r.Context(), hash, u.ID, store.TokenWeb, s.now().Add(s.cfg.SessionTTL)); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: secret, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.cfg.SessionTTL.Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ *store.User) error {
	if c, err := r.Cookie(cookieName); err == nil {
		if err := s.st.DeleteToken(r.Context(), auth.TokenHash(c.Value)); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-login redirect on this site: a path, never
// another host ("//evil", "/\evil", "https://...").
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/subjects"
	}
	return next
}
