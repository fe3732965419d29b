package web

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/server/queue"
	"github.com/kneescreen/kneescreen/server/store"
)

// reportCSP is report.html's own policy: its inline style and data: images,
// the annotated video beside it, no script, and sandboxed (a unique
// origin), since it shows text that came from an upload's metadata.
const reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src 'self'; frame-ancestors 'self'; sandbox"

var contentTypes = map[string]string{
	report.HTMLFile: "text/html; charset=utf-8", report.JSONFile: "application/json",
	report.KeypointsFile: "text/csv; charset=utf-8", report.AnglesFile: "text/csv; charset=utf-8", report.VideoFile: "video/mp4",
}

// serveFile serves one result file of a recording's report by its
// whitelisted name, with range requests (video seeking) from a local
// cache of the immutable result objects.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name := r.PathValue("file")
	if !queue.IsResultFile(name) {
		return store.ErrNotFound
	}
	rec, err := s.st.Recording(r.Context(), u.ClinicID, id)
	if err != nil {
		return err
	}
	if rec.Report == nil || !slices.Contains(rec.Report.Files, name) {
		return store.ErrNotFound
	}
	path, err := s.cached(r.Context(), rec.Report.JobID, name)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", contentTypes[name])
	h.Set("Cache-Control", "private, max-age=3600")
	if name == report.HTMLFile {
		h.Set("Content-Security-Policy", reportCSP)
	}
	if r.URL.Query().Has("download") || name != report.HTMLFile && name != report.VideoFile && name != report.JSONFile {
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s"`, cleanDir(rec.OriginalName), name))
	}
	http.ServeContent(w, r, name, st.ModTime(), f)
	return nil
}

// cached returns a local copy of a job's result file, fetching it from the
// object store once. Results of a job never change once it is done, so the
// copy needs no invalidation; purging removes it.
func (s *Server) cached(ctx context.Context, job int64, name string) (string, error) {
	dir := filepath.Join(s.cacheDir, strconv.FormatInt(job, 10))
	path := filepath.Join(dir, name)
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	res, err := s.q.GetResult(ctx, job, name)
	if errors.Is(err, queue.ErrBlobNotFound) {
		return "", store.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	defer res.Close()
	tmp, err := os.CreateTemp(dir, ".fetch-*")
	if err != nil {
		return "", err
	}
	_, err = io.Copy(tmp, res)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("web: caching %s of job %d: %w", name, job, err)
	}
	return path, nil
}

// dropCache removes the cached results of jobs (after a purge).
func (s *Server) dropCache(jobs []int64) {
	for _, j := range jobs {
		_ = os.RemoveAll(filepath.Join(s.cacheDir, strconv.FormatInt(j, 10)))
	}
}

// summaryRow is one entry of report.json's summary.
type summaryRow struct {
	Name string   `json:"name"`
	Unit string   `json:"unit"`
	Side string   `json:"side"`
	N    int      `json:"n"`
	Mean *float64 `json:"mean"`
	SD   *float64 `json:"sd"`
	Min  *float64 `json:"min"`
	Max  *float64 `json:"max"`
}

func parseSummary(s string) []summaryRow {
	var rows []summaryRow
	_ = json.Unmarshal([]byte(s), &rows)
	return rows
}

// downloadSession streams a session as a zip: one folder per analysed
// recording with its report files, and session.csv with every
// recording's summary metrics.
func (s *Server) downloadSession(w http.ResponseWriter, r *http.Request, u *store.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ses, err := s.st.Session(r.Context(), u.ClinicID, id)
	if err != nil {
		return err
	}
	sub, err := s.st.Subject(r.Context(), u.ClinicID, ses.SubjectID)
	if err != nil {
		return err
	}
	recs, err := s.st.Recordings(r.Context(), u.ClinicID, id)
	if err != nil {
		return err
	}
	base := cleanDir(sub.Code) + "-" + ses.Date
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.zip"`, base))
	zw := zip.NewWriter(w)
	// From here on the status is sent; a failure can only cut the zip
	// short, which unzip reports.
	if err := writeSessionZip(r.Context(), zw, s, base, recs); err != nil {
		s.log.Printf("zip of session %d: %v", id, err)
		return nil
	}
	if err := zw.Close(); err != nil {
		s.log.Printf("zip of session %d: %v", id, err)
	}
	return nil
}

func writeSessionZip(ctx context.Context, zw *zip.Writer, s *Server, base string, recs []store.Recording) error {
	cw, err := zw.Create(base + "/session.csv")
	if err != nil {
		return err
	}
	c := csv.NewWriter(cw)
	_ = c.Write([]string{"recording", "folder", "file", "movement", "view", "state", "metric", "unit", "side", "n", "mean", "sd", "min", "max"})
	folders := make([]string, len(recs))
	for i, rec := range recs {
		folders[i] = fmt.Sprintf("%02d-%s", i+1, cleanDir(rec.OriginalName))
		row := []string{itoa(rec.ID), folders[i], rec.OriginalName, rec.Movement, rec.View, string(rec.Job.State)}
		if rec.Report == nil {
			_ = c.Write(append(row, "", "", "", "", "", "", "", ""))
			continue
		}
		row[3], row[4] = rec.Report.Movement, rec.Report.View
		for _, m := range parseSummary(rec.Report.Summary) {
			_ = c.Write(append(row[:6:6], m.Name, m.Unit, m.Side, strconv.Itoa(m.N), num(m.Mean), num(m.SD), num(m.Min), num(m.Max)))
		}
	}
	c.Flush()
	if err := c.Error(); err != nil {
		return err
	}
	for i, rec := range recs {
		if rec.Report == nil {
			continue
		}
		for _, name := range rec.Report.Files {
			if err := addZipFile(ctx, zw, s, base+"/"+folders[i]+"/"+name, rec.Report.JobID, name); err != nil {
				return err
			}
		}
	}
	return nil
}

func addZipFile(ctx context.Context, zw *zip.Writer, s *Server, path string, job int64, name string) error {
	res, err := s.q.GetResult(ctx, job, name)
	if err != nil {
		return err
	}
	defer res.Close()
	method := zip.Deflate
	if strings.HasSuffix(name, ".mp4") {
		method = zip.Store // already compressed
	}
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: path, Method: method, UncompressedSize64: uint64(res.Size)})
	if err != nil {
		return err
	}
	_, err = io.Copy(fw, res)
	return err
}

func num(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}
