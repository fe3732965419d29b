package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/server/store"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *store.User) error {
	if err := s.st.Ping(r.Context()); err != nil {
		return &httpError{status: http.StatusServiceUnavailable, msg: "database unavailable"}
	}
	w.Header().Set("Content-Type", "text/plain")
	_, err := w.Write([]byte("ok\n"))
	return err
}

func (s *Server) favicon(w http.ResponseWriter, r *http.Request, _ *store.User) error {
	http.Redirect(w, r, "/static/favicon.svg", http.StatusMovedPermanently)
	return nil
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, _ *store.User) error {
	http.Redirect(w, r, "/subjects", http.StatusSeeOther)
	return nil
}

// parseForm reads a small urlencoded form.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return badRequest("bad form: %v", err)
	}
	return nil
}

// subjectInput reads a subject's fields from a form.
func subjectInput(r *http.Request) (store.SubjectInput, error) {
	in := store.SubjectInput{Code: strings.TrimSpace(r.PostForm.Get("code")), Sex: r.PostForm.Get("sex"), Notes: r.PostForm.Get("notes")}
	if h := strings.TrimSpace(r.PostForm.Get("height_cm")); h != "" {
		v, err := strconv.ParseFloat(h, 64)
		if err != nil {
			return in, badRequest("height %q is not a number", h)
		}
		in.HeightCM = v
	}
	if in.Sex == "" {
		in.Sex = "unspecified"
	}
	return in, nil
}

type subjectsData struct {
	Query    string
	Subjects []store.Subject
	Error    string
}

func (s *Server) subjectsPage(w http.ResponseWriter, r *http.Request, u *store.User) error {
	return s.showSubjects(w, r, u, http.StatusOK, "")
}

func (s *Server) showSubjects(w http.ResponseWriter, r *http.Request, u *store.User, code int, msg string) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	subs, err := s.st.Subjects(r.Context(), u.ClinicID, q, 500)
	if err != nil {
		return err
	}
	return s.render(w, r, code, "subjects", "Subjects", subjectsData{Query: q, Subjects: subs, Error: msg})
}

func (s *Server) createSubject(w http.ResponseWriter, r *http.Request, u *store.User) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	in, err := subjectInput(r)
	if err == nil {
		err = in.Validate()
	}
	if err != nil {
		return s.showSubjects(w, r, u, http.StatusBadRequest, strings.TrimPrefix(err.Error(), "store: "))
	}
	id, err := s.st.CreateSubject(r.Context(), u.ClinicID, in)
	if errors.Is(err, store.ErrExists) {
		return s.showSubjects(w, r, u, http.StatusConflict, fmt.Sprintf("a subject with code %q exists already", in.Code))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/subjects/%d", id), http.StatusSeeOther)
	return nil
}

type sessionView struct {
	Session    store.Session
	Recordings []store.Recording
}

type subjectData struct {
	Subject   store.Subject
	Sessions  []sessionView
	Trends    []trendRef
	Today     string
	MaxUpload string
	Movements []string
	Stances   []string
	Views     []string
	Sexes     []string
}

func (s *Server) subjectPage(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	sub, err := s.st.Subject(ctx, u.ClinicID, id)
	if err != nil {
		return err
	}
	sessions, err := s.st.Sessions(ctx, u.ClinicID, id)
	if err != nil {
		return err
	}
	d := subjectData{Subject: sub, Today: s.now().Format(store.DateLayout), MaxUpload: humanBytes(s.cfg.MaxUploadBytes),
		Movements: movementOptions, Stances: stanceOptions, Views: viewOptions, Sexes: sexOptions}
	for _, ses := range sessions {
		recs, err := s.st.Recordings(ctx, u.ClinicID, ses.ID)
		if err != nil {
			return err
		}
		d.Sessions = append(d.Sessions, sessionView{Session: ses, Recordings: recs})
	}
	points, err := s.st.Trends(ctx, u.ClinicID, id)
	if err != nil {
		return err
	}
	d.Trends = trendCharts(id, points)
	return s.render(w, r, http.StatusOK, "subject", "Subject "+sub.Code, d)
}

func (s *Server) updateSubject(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	sub, err := s.st.Subject(r.Context(), u.ClinicID, id)
	if err != nil {
		return err
	}
	in, err := subjectInput(r)
	if err != nil {
		return err
	}
	in.Code = sub.Code
	if err := in.Validate(); err != nil {
		return badRequest("%v", err)
	}
	if err := s.st.UpdateSubject(r.Context(), u.ClinicID, id, in); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/subjects/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	date := r.PostForm.Get("date")
	if _, err := time.Parse(store.DateLayout, date); err != nil {
		return badRequest("date %q: want YYYY-MM-DD", date)
	}
	if _, err := s.st.CreateSession(r.Context(), u.ClinicID, id, date, r.PostForm.Get("notes")); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/subjects/%d", id), http.StatusSeeOther)
	return nil
}

type uploadedData struct {
	SubjectID int64
	Code      string
	Results   []uploadResult
}

// uploadPage receives the upload form: all accepted → back to the
// subject; any refused → a page saying which and why.
func (s *Server) uploadPage(w http.ResponseWriter, r *http.Request, u *store.User) error {
	sub, results, err := s.upload(w, r, u)
	if err != nil {
		return err
	}
	refused, code := 0, http.StatusOK
	for _, res := range results {
		if res.Err != "" {
			refused++
			code = res.status
		}
	}
	if refused == 0 {
		http.Redirect(w, r, fmt.Sprintf("/subjects/%d", sub.ID), http.StatusSeeOther)
		return nil
	}
	if refused < len(results) {
		code = http.StatusOK
	}
	return s.render(w, r, code, "uploaded", "Upload", uploadedData{SubjectID: sub.ID, Code: sub.Code, Results: results})
}

type recordingData struct {
	Recording store.Recording
	Session   store.Session
	Subject   store.Subject
	Probe     *VideoInfo
	HasVideo  bool
}

func (s *Server) recordingPage(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	rec, err := s.st.Recording(ctx, u.ClinicID, id)
	if err != nil {
		return err
	}
	ses, err := s.st.Session(ctx, u.ClinicID, rec.SessionID)
	if err != nil {
		return err
	}
	sub, err := s.st.Subject(ctx, u.ClinicID, rec.SubjectID)
	if err != nil {
		return err
	}
	d := recordingData{Recording: rec, Session: ses, Subject: sub}
	var info VideoInfo
	if json.Unmarshal([]byte(rec.Probe), &info) == nil {
		d.Probe = &info
	}
	if rec.Report != nil {
		d.HasVideo = slices.Contains(rec.Report.Files, report.VideoFile)
	}
	return s.renderPage(w, http.StatusOK, "recording", page{Title: rec.OriginalName, User: u, Version: s.cfg.Version,
		ReloadOnDone: !rec.Job.State.Finished(), Data: d})
}

func (s *Server) recordingFile(w http.ResponseWriter, r *http.Request, u *store.User) error {
	return s.serveFile(w, r, u)
}

// softDelete moves a record to the trash and goes to where it lived.
func (s *Server) softDelete(w http.ResponseWriter, r *http.Request, u *store.User, kind store.Kind) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := "/subjects"
	switch kind {
	case store.KindSession:
		if ses, err := s.st.Session(r.Context(), u.ClinicID, id); err == nil {
			back = fmt.Sprintf("/subjects/%d", ses.SubjectID)
		}
	case store.KindRecording:
		if rec, err := s.st.Recording(r.Context(), u.ClinicID, id); err == nil {
			back = fmt.Sprintf("/subjects/%d", rec.SubjectID)
		}
	}
	if err := s.st.Delete(r.Context(), u.ClinicID, kind, id); err != nil {
		return err
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}

func (s *Server) deleteSubject(w http.ResponseWriter, r *http.Request, u *store.User) error {
	return s.softDelete(w, r, u, store.KindSubject)
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request, u *store.User) error {
	return s.softDelete(w, r, u, store.KindSession)
}

func (s *Server) deleteRecording(w http.ResponseWriter, r *http.Request, u *store.User) error {
	return s.softDelete(w, r, u, store.KindRecording)
}

func (s *Server) retryJob(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	spec, err := s.st.RetryJob(r.Context(), u.ClinicID, id)
	if errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err != nil {
		return badRequest("%v", strings.TrimPrefix(err.Error(), "store: "))
	}
	if err := s.q.PublishJob(r.Context(), JobMessage(spec)); err != nil {
		s.log.Printf("job %d: not queued yet: %v", id, err)
	}
	if j, err := s.st.Job(r.Context(), u.ClinicID, id); err == nil {
		s.hub.Publish(j)
	}
	http.Redirect(w, r, fmt.Sprintf("/recordings/%d", spec.RecordingID), http.StatusSeeOther)
	return nil
}

type trashData struct {
	Items      []store.TrashItem
	PurgeAfter string
}

func (s *Server) trashPage(w http.ResponseWriter, r *http.Request, u *store.User) error {
	items, err := s.st.Trash(r.Context(), u.ClinicID)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "trash", "Trash", trashData{Items: items, PurgeAfter: days(s.cfg.PurgeAfter)})
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	if n >= 1 {
		return fmt.Sprintf("%d days", n)
	}
	return d.String()
}

func (s *Server) trashItem(r *http.Request) (store.Kind, int64, error) {
	kind, err := store.ParseKind(r.PathValue("kind"))
	if err != nil {
		return "", 0, err
	}
	id, err := pathID(r, "id")
	return kind, id, err
}

func (s *Server) restore(w http.ResponseWriter, r *http.Request, u *store.User) error {
	kind, id, err := s.trashItem(r)
	if err != nil {
		return err
	}
	if err := s.st.Restore(r.Context(), u.ClinicID, kind, id); err != nil {
		return err
	}
	http.Redirect(w, r, "/trash", http.StatusSeeOther)
	return nil
}

func (s *Server) purge(w http.ResponseWriter, r *http.Request, u *store.User) error {
	kind, id, err := s.trashItem(r)
	if err != nil {
		return err
	}
	if err := s.st.Purge(r.Context(), u.ClinicID, kind, id, s.deleteBlobs(r.Context())); err != nil {
		return err
	}
	http.Redirect(w, r, "/trash", http.StatusSeeOther)
	return nil
}

// deleteBlobs removes a purge's videos, results and cached copies.
func (s *Server) deleteBlobs(ctx context.Context) func(store.Blobs) error {
	return func(b store.Blobs) error {
		for _, v := range b.Videos {
			if err := s.q.DeleteVideo(ctx, v); err != nil {
				return err
			}
		}
		for _, j := range b.Jobs {
			if err := s.q.DeleteResults(ctx, j); err != nil {
				return err
			}
		}
		s.dropCache(b.Jobs)
		return nil
	}
}

// PurgeExpired purges every record deleted before t, with its blobs, and
// returns how many it purged.
func (s *Server) PurgeExpired(ctx context.Context, t time.Time) (int, error) {
	items, err := s.st.DeletedBefore(ctx, t)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		if err := s.st.Purge(ctx, it.ClinicID, it.Kind, it.ID, s.deleteBlobs(ctx)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return n, err
		}
		n++
	}
	return n, nil
}
