package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"

	"github.com/kneescreen/kneescreen/server/store"
)

// page is what every template gets.
type page struct {
	Title   string
	User    *store.User
	Version string
	// ReloadOnDone reloads the page when a job it shows finishes.
	ReloadOnDone bool
	Data         any
}

var funcs = template.FuncMap{
	"pct":   func(f float64) int { return int(100*f + 0.5) },
	"bytes": humanBytes,
	"stateText": func(s store.JobState) string {
		if s == store.JobDead {
			return "dead letter"
		}
		return string(s)
	},
}

// parsePages parses the layout with each page's content template.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n)
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// render writes a page; the template runs into a buffer first so a
// template error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, name, title string, data any) error {
	return s.renderPage(w, code, name, page{Title: title, User: userOf(r), Version: s.cfg.Version, Data: data})
}

func (s *Server) renderPage(w http.ResponseWriter, code int, name string, p page) error {
	t := s.pages[name]
	if t == nil {
		return fmt.Errorf("web: no page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("web: page %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, err := w.Write(buf.Bytes())
	return err
}
