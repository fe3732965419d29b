package web

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kneescreen/kneescreen/server/auth"
	"github.com/kneescreen/kneescreen/server/queue"
	"github.com/kneescreen/kneescreen/server/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

//go:embed openapi.yaml
var openapiYAML []byte

// Config is the web side's configuration.
type Config struct {
	// MaxUploadBytes bounds one upload request (all its files); larger
	// requests get 413.
	MaxUploadBytes int64
	// MaxConcurrentUploads bounds uploads received and probed at once;
	// further ones wait their turn.
	MaxConcurrentUploads int
	// MaxEventStreams bounds open live-progress connections.
	MaxEventStreams int
	// SessionTTL is how long a browser login lasts; TokenTTL an API
	// token.
	SessionTTL time.Duration
	TokenTTL   time.Duration
	// LoginsPerMinute is each address's and each user name's allowance.
	LoginsPerMinute int
	// SecureCookies marks cookies Secure (behind HTTPS).
	SecureCookies bool
	// WorkDir holds uploads while they are received and a cache of
	// result files.
	WorkDir string
	// PurgeAfter is how long deleted records wait in the trash (shown on
	// the trash page; the server's purge loop acts on it).
	PurgeAfter time.Duration
	// Version is shown in the footer.
	Version string
	// Log receives errors (nil: standard error).
	Log io.Writer
	// PasswordParams is the argon2id cost (zero: auth.DefaultParams).
	PasswordParams auth.Params
}

// Defaults for unset Config fields.
const (
	DefaultMaxUploadBytes       = 1 << 30
	DefaultMaxConcurrentUploads = 4
	DefaultMaxEventStreams      = 256
	DefaultSessionTTL           = 12 * time.Hour
	DefaultTokenTTL             = 30 * 24 * time.Hour
	DefaultLoginsPerMinute      = 10
)

func (c Config) withDefaults() Config {
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if c.MaxConcurrentUploads <= 0 {
		c.MaxConcurrentUploads = DefaultMaxConcurrentUploads
	}
	if c.MaxEventStreams <= 0 {
		c.MaxEventStreams = DefaultMaxEventStreams
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = DefaultSessionTTL
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = DefaultTokenTTL
	}
	if c.LoginsPerMinute <= 0 {
		c.LoginsPerMinute = DefaultLoginsPerMinute
	}
	if c.PasswordParams == (auth.Params{}) {
		c.PasswordParams = auth.DefaultParams
	}
	if c.Log == nil {
		c.Log = os.Stderr
	}
	return c
}

// Server serves the web app and the API.
type Server struct {
	cfg    Config
	st     *store.Store
	q      *queue.Conn
	prober Prober
	hub    *Hub
	log    *log.Logger
	pages  map[string]*template.Template

	uploads   chan struct{}
	hashes    chan struct{}
	streams   chan struct{}
	limiter   *auth.Limiter
	now       func() time.Time
	uploadDir string
	cacheDir  string
}

// New returns a Server. WorkDir must be set.
func New(cfg Config, st *store.Store, q *queue.Conn, prober Prober) (*Server, error) {
	cfg = cfg.withDefaults()
	if cfg.WorkDir == "" {
		return nil, errors.New("web: no work folder")
	}
	s := &Server{
		cfg: cfg, st: st, q: q, prober: prober,
		hub:       NewHub(),
		log:       log.New(cfg.Log, "web: ", log.LstdFlags),
		uploads:   make(chan struct{}, cfg.MaxConcurrentUploads),
		hashes:    make(chan struct{}, 2),
		streams:   make(chan struct{}, cfg.MaxEventStreams),
		limiter:   auth.NewLimiter(cfg.LoginsPerMinute),
		now:       time.Now,
		uploadDir: filepath.Join(cfg.WorkDir, "uploads"),
		cacheDir:  filepath.Join(cfg.WorkDir, "cache"),
	}
	for _, d := range []string{s.uploadDir, s.cacheDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
	}
	// Uploads left by a crash are incomplete; nothing refers to them.
	if entries, err := os.ReadDir(s.uploadDir); err == nil {
		for _, e := range entries {
			_ = os.RemoveAll(filepath.Join(s.uploadDir, e.Name()))
		}
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	s.pages = pages
	return s, nil
}

// Hub is the server's live-progress hub; the job event loop publishes to
// it.
func (s *Server) Hub() *Hub { return s.hub }

// Handler returns the HTTP handler: every route behind security headers
// and cross-origin protection.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static))))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, &httpError{status: http.StatusForbidden, msg: "cross-origin request refused"})
	}))
	return securityHeaders(cop.Handler(mux))
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	v := "public, max-age=" + strconv.Itoa(int(d.Seconds()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", v)
		h.ServeHTTP(w, r)
	})
}

// appCSP allows only the app's own scripts, styles and frames; report.html
// gets its own, stricter policy (see files.go).
const appCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; media-src 'self'; " +
	"frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", appCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "SAMEORIGIN")
		h.ServeHTTP(w, r)
	})
}

// httpError is an error with the status and message a client sees.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// status maps an error to its HTTP status and the message shown.
func (s *Server) status(err error) (int, string) {
	var he *httpError
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &he):
		return he.status, he.msg
	case errors.As(err, &mb):
		return http.StatusRequestEntityTooLarge, fmt.Sprintf("upload larger than the limit of %s", humanBytes(mb.Limit))
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, "not found"
	case errors.Is(err, store.ErrExists):
		return http.StatusConflict, err.Error()
	case errors.Is(err, context.Canceled):
		return 499, "request cancelled"
	}
	return http.StatusInternalServerError, "internal error (logged on the server)"
}

// fail answers a request with err: JSON for the API, a page otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := s.status(err)
	if code == http.StatusInternalServerError {
		s.log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
	}
	if isAPI(r) {
		writeJSON(w, code, map[string]string{"error": msg})
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = s.pages["error"].ExecuteTemplate(w, "layout", page{Title: http.StatusText(code), Data: msg, User: userOf(r), Version: s.cfg.Version})
}

func isAPI(r *http.Request) bool {
	return len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/"
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// pathID reads a positive integer path wildcard.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, store.ErrNotFound
	}
	return id, nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
