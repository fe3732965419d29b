package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/kneescreen/kneescreen/server/store"
)

// JSON shapes of the API (see openapi.yaml).
type (
	subjectJSON struct {
		ID          int64   `json:"id"`
		Code        string  `json:"code"`
		Sex         string  `json:"sex"`
		HeightCM    float64 `json:"height_cm,omitempty"`
		Notes       string  `json:"notes"`
		Sessions    int     `json:"sessions"`
		LastSession string  `json:"last_session,omitempty"`
		Created     string  `json:"created"`
	}
	sessionJSON struct {
		ID         int64           `json:"id"`
		Date       string          `json:"date"`
		Notes      string          `json:"notes"`
		Recordings []recordingJSON `json:"recordings"`
	}
	subjectDetailJSON struct {
		subjectJSON
		SessionList []sessionJSON `json:"session_list"`
	}
	recordingJSON struct {
		ID           int64     `json:"id"`
		Session      int64     `json:"session"`
		Subject      int64     `json:"subject"`
		Movement     string    `json:"movement"`
		Stance       string    `json:"stance"`
		View         string    `json:"view"`
		OriginalName string    `json:"original_name"`
		VideoBytes   int64     `json:"video_bytes"`
		Probe        VideoInfo `json:"probe"`
		Job          jobJSON   `json:"job"`
		Files        []string  `json:"files"`
		// Detected movement and view (once done).
		ReportMovement string `json:"report_movement,omitempty"`
		ReportView     string `json:"report_view,omitempty"`
	}
	jobJSON struct {
		ID        int64   `json:"id"`
		Recording int64   `json:"recording"`
		State     string  `json:"state"`
		Progress  float64 `json:"progress"`
		Pass      string  `json:"pass,omitempty"`
		Error     string  `json:"error,omitempty"`
		Attempts  int     `json:"attempts"`
		Worker    string  `json:"worker,omitempty"`
		// DeadLetter: the queue gave up on the job (its state is failed).
		DeadLetter bool `json:"dead_letter"`
	}
)

func toSubject(v store.Subject) subjectJSON {
	return subjectJSON{ID: v.ID, Code: v.Code, Sex: v.Sex, HeightCM: v.HeightCM, Notes: v.Notes, Sessions: v.Sessions,
		LastSession: v.LastSession, Created: v.Created.Format(time.RFC3339)}
}

func toJob(j store.Job) jobJSON {
	state := string(j.State)
	if j.State == store.JobDead {
		state = string(store.JobFailed)
	}
	return jobJSON{ID: j.ID, Recording: j.RecordingID, State: state, Progress: j.Progress, Pass: j.Pass, Error: j.Error,
		Attempts: j.Attempts, Worker: j.Worker, DeadLetter: j.State == store.JobDead}
}

func toRecording(r store.Recording) recordingJSON {
	out := recordingJSON{ID: r.ID, Session: r.SessionID, Subject: r.SubjectID, Movement: r.Movement, Stance: r.Stance, View: r.View,
		OriginalName: r.OriginalName, VideoBytes: r.VideoBytes, Job: toJob(r.Job), Files: []string{}}
	_ = json.Unmarshal([]byte(r.Probe), &out.Probe)
	if r.Report != nil {
		out.Files, out.ReportMovement, out.ReportView = r.Report.Files, r.Report.Movement, r.Report.View
	}
	return out
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, _ *http.Request, _ *store.User) error {
	w.Header().Set("Content-Type", "application/yaml")
	_, err := w.Write(openapiYAML)
	return err
}

func (s *Server) apiListSubjects(w http.ResponseWriter, r *http.Request, u *store.User) error {
	subs, err := s.st.Subjects(r.Context(), u.ClinicID, r.URL.Query().Get("q"), 0)
	if err != nil {
		return err
	}
	out := make([]subjectJSON, len(subs))
	for i, v := range subs {
		out[i] = toSubject(v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"subjects": out})
	return nil
}

// subjectInputJSON is the body of POST /api/subjects.
type subjectInputJSON struct {
	Code     string  `json:"code"`
	Sex      string  `json:"sex"`
	HeightCM float64 `json:"height_cm"`
	Notes    string  `json:"notes"`
}

func (s *Server) apiCreateSubject(w http.ResponseWriter, r *http.Request, u *store.User) error {
	var in subjectInputJSON
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return badRequest("body: want JSON {\"code\", \"sex\", \"height_cm\", \"notes\"}: %v", err)
	}
	if in.Sex == "" {
		in.Sex = "unspecified"
	}
	si := store.SubjectInput{Code: in.Code, Sex: in.Sex, HeightCM: in.HeightCM, Notes: in.Notes}
	if err := si.Validate(); err != nil {
		return badRequest("%v", err)
	}
	id, err := s.st.CreateSubject(r.Context(), u.ClinicID, si)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/subjects/"+itoa(id))
	writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
	return nil
}

func (s *Server) apiGetSubject(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.st.Subject(r.Context(), u.ClinicID, id)
	if err != nil {
		return err
	}
	sessions, err := s.st.Sessions(r.Context(), u.ClinicID, id)
	if err != nil {
		return err
	}
	out := subjectDetailJSON{subjectJSON: toSubject(v), SessionList: []sessionJSON{}}
	for _, ses := range sessions {
		recs, err := s.st.Recordings(r.Context(), u.ClinicID, ses.ID)
		if err != nil {
			return err
		}
		sj := sessionJSON{ID: ses.ID, Date: ses.Date, Notes: ses.Notes, Recordings: []recordingJSON{}}
		for _, rec := range recs {
			sj.Recordings = append(sj.Recordings, toRecording(rec))
		}
		out.SessionList = append(out.SessionList, sj)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiDeleteSubject(w http.ResponseWriter, r *http.Request, u *store.User) error {
	return s.apiDelete(w, r, u, store.KindSubject)
}

func (s *Server) apiDeleteRecording(w http.ResponseWriter, r *http.Request, u *store.User) error {
	return s.apiDelete(w, r, u, store.KindRecording)
}

func (s *Server) apiDelete(w http.ResponseWriter, r *http.Request, u *store.User, kind store.Kind) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.st.Delete(r.Context(), u.ClinicID, kind, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiUpload(w http.ResponseWriter, r *http.Request, u *store.User) error {
	_, results, err := s.upload(w, r, u)
	if err != nil {
		return err
	}
	if len(results) == 1 {
		res := results[0]
		if res.Err != "" {
			return &httpError{status: res.status, msg: res.Err}
		}
		writeJSON(w, http.StatusAccepted, map[string]int64{"recording": res.Recording, "job": res.Job})
		return nil
	}
	code := http.StatusAccepted
	for _, res := range results {
		if res.Err != "" {
			code = http.StatusMultiStatus
		}
	}
	writeJSON(w, code, map[string]any{"results": results})
	return nil
}

func (s *Server) apiGetRecording(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.st.Recording(r.Context(), u.ClinicID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toRecording(rec))
	return nil
}

func (s *Server) apiRecordingFile(w http.ResponseWriter, r *http.Request, u *store.User) error {
	return s.serveFile(w, r, u)
}

func (s *Server) apiGetJob(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := s.st.Job(r.Context(), u.ClinicID, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toJob(j))
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
