package web

import (
	"context"
	"net/http"

	"github.com/kneescreen/kneescreen/server/store"
)

// authKind is how a route authenticates.
type authKind int

const (
	authNone   authKind = iota // public
	authBasic                  // HTTP basic credentials (POST /api/tokens only)
	authBearer                 // API token
	authCookie                 // browser login
)

// handler serves an authenticated request (u is nil for public routes).
type handler func(w http.ResponseWriter, r *http.Request, u *store.User) error

// route is one entry of the route table.
type route struct {
	method, path string
	auth         authKind
	h            handler
}

// apiPrefix starts every API path; those routes are the ones openapi.yaml
// documents.
const apiPrefix = "/api/"

// routes is the route table.
func (s *Server) routes() []route {
	return []route{
		// REST API (documented in openapi.yaml).
		{"GET", "/api/openapi.yaml", authNone, s.apiOpenAPI},
		{"POST", "/api/tokens", authBasic, s.apiCreateToken},
		{"GET", "/api/subjects", authBearer, s.apiListSubjects},
		{"POST", "/api/subjects", authBearer, s.apiCreateSubject},
		{"GET", "/api/subjects/{id}", authBearer, s.apiGetSubject},
		{"DELETE", "/api/subjects/{id}", authBearer, s.apiDeleteSubject},
		{"POST", "/api/subjects/{id}/recordings", authBearer, s.apiUpload},
		{"GET", "/api/recordings/{id}", authBearer, s.apiGetRecording},
		{"DELETE", "/api/recordings/{id}", authBearer, s.apiDeleteRecording},
		{"GET", "/api/recordings/{id}/{file}", authBearer, s.apiRecordingFile},
		{"GET", "/api/jobs/{id}", authBearer, s.apiGetJob},

		// Web app.
		{"GET", "/healthz", authNone, s.healthz},
		{"GET", "/favicon.ico", authNone, s.favicon},
		{"GET", "/login", authNone, s.loginPage},
		{"POST", "/login", authNone, s.login},
		{"POST", "/logout", authCookie, s.logout},
		{"GET", "/{$}", authCookie, s.home},
		{"GET", "/subjects", authCookie, s.subjectsPage},
		{"POST", "/subjects", authCookie, s.createSubject},
		{"GET", "/subjects/{id}", authCookie, s.subjectPage},
		{"POST", "/subjects/{id}", authCookie, s.updateSubject},
		{"POST", "/subjects/{id}/delete", authCookie, s.deleteSubject},
		{"POST", "/subjects/{id}/sessions", authCookie, s.createSession},
		{"POST", "/subjects/{id}/recordings", authCookie, s.uploadPage},
		{"GET", "/subjects/{id}/trend.svg", authCookie, s.trendSVG},
		{"POST", "/sessions/{id}/delete", authCookie, s.deleteSession},
		{"GET", "/sessions/{id}/download", authCookie, s.downloadSession},
		{"GET", "/recordings/{id}", authCookie, s.recordingPage},
		{"GET", "/recordings/{id}/files/{file}", authCookie, s.recordingFile},
		{"POST", "/recordings/{id}/delete", authCookie, s.deleteRecording},
		{"POST", "/jobs/{id}/retry", authCookie, s.retryJob},
		{"GET", "/events", authCookie, s.events},
		{"GET", "/trash", authCookie, s.trashPage},
		{"POST", "/trash/{kind}/{id}/restore", authCookie, s.restore},
		{"POST", "/trash/{kind}/{id}/purge", authCookie, s.purge},
	}
}

type userKey struct{}

// userOf returns the request's authenticated user (nil if none).
func userOf(r *http.Request) *store.User {
	u, _ := r.Context().Value(userKey{}).(*store.User)
	return u
}

// wrap authenticates a request as its route says and runs the handler,
// turning its error into a response.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u *store.User
		var err error
		switch rt.auth {
		case authBasic:
			u, err = s.basicUser(w, r)
		case authBearer:
			u, err = s.bearerUser(w, r)
		case authCookie:
			u, err = s.cookieUser(r)
			if err != nil && r.Method == http.MethodGet && rt.path != "/events" {
				http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if u != nil {
			r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		}
		if err := rt.h(w, r, u); err != nil {
			s.fail(w, r, err)
		}
	})
}
