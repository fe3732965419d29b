package report

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kneescreen/kneescreen/internal/atomicfile"
	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/screening"
)

// File names inside an output directory.
const (
	JSONFile      = "report.json"
	KeypointsFile = "keypoints.csv"
	AnglesFile    = "angles.csv"
	HTMLFile      = "report.html"
	VideoFile     = "annotated.mp4"
)

// Format is one kind of output.
type Format string

// The output formats; FormatVideo is written by the pipeline (it needs the
// frames), the others by Write.
const (
	FormatJSON  Format = "json"
	FormatCSV   Format = "csv"
	FormatHTML  Format = "html"
	FormatVideo Format = "video"
)

// AllFormats lists every format in the order they are documented.
var AllFormats = []Format{FormatJSON, FormatCSV, FormatHTML, FormatVideo}

// ErrUnknownFormat is wrapped by ParseFormats for a name it does not know.
var ErrUnknownFormat = errors.New("unknown format")

// Formats is a set of formats.
type Formats map[Format]bool

// ParseFormats parses names like ["json", "csv"] (or one "json,csv");
// "all" selects every format. An empty list is an error: there would be
// nothing to write.
func ParseFormats(names []string) (Formats, error) {
	out := Formats{}
	for _, n := range names {
		for _, p := range strings.Split(n, ",") {
			p = strings.ToLower(strings.TrimSpace(p))
			switch {
			case p == "":
			case p == "all":
				for _, f := range AllFormats {
					out[f] = true
				}
			case Format(p) == FormatJSON || Format(p) == FormatCSV || Format(p) == FormatHTML || Format(p) == FormatVideo:
				out[Format(p)] = true
			default:
				return nil, fmt.Errorf("report: %w %q (want json, csv, html, video or all)", ErrUnknownFormat, p)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("report: no output format selected (want json, csv, html, video or all)")
	}
	return out, nil
}

// Analysis describes how the analysis was run, for the reader of the
// report.
type Analysis struct {
	// Tool is the kneescreen version.
	Tool string `json:"tool"`
	// Model is the pose model ("lightning", "thunder" or a file).
	Model string `json:"model"`
	// Symmetric says whether each frame's pose was averaged with that of
	// its mirror image.
	Symmetric bool `json:"symmetric"`
}

// Data is everything the writers need.
type Data struct {
	Report   *screening.Report
	Track    *pose.Track
	Analysis Analysis
	// Frames holds annotated frames by frame index (the bottom frame of
	// each rep), for the HTML report; missing frames are left out.
	Frames map[int]image.Image
	// VideoName is the annotated video's file name when one was written
	// beside the report (linked from the HTML), "" otherwise.
	VideoName string
	// Plots are the HTML report's plots when made ahead (MakePlots of
	// Report); nil, or another report's, has WriteHTML draw them.
	Plots *Plots
}

// Write writes the selected formats (except video) into dir, which must
// exist, each file atomically on its own. It stops at the first error;
// files already written stay. An analysis that must leave its folder
// consistent (all its files or an earlier run's, never a mix) stages them
// in an Output instead.
func Write(ctx context.Context, dir string, formats Formats, d *Data) error {
	if d == nil || d.Report == nil {
		return fmt.Errorf("report: no report to write")
	}
	w := writers(d)
	for _, name := range formats.Files() {
		fn := w[name]
		if fn == nil {
			continue // the video
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, name), fn); err != nil {
			return err
		}
	}
	return nil
}

// StageReport stages the named files of d (JSONFile, KeypointsFile,
// AnglesFile, HTMLFile) in o, in order, stopping at the first error.
func (o *Output) StageReport(ctx context.Context, d *Data, names ...string) error {
	if d == nil || d.Report == nil {
		return fmt.Errorf("report: no report to write")
	}
	w := writers(d)
	for _, name := range names {
		fn := w[name]
		if fn == nil {
			return fmt.Errorf("report: %q is not written from a report", name)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := o.Stage(name, fn); err != nil {
			return err
		}
	}
	return nil
}

// writers maps each file written from a report to its writer.
func writers(d *Data) map[string]func(io.Writer) error {
	return map[string]func(io.Writer) error{
		JSONFile:      func(w io.Writer) error { return WriteJSON(w, d) },
		KeypointsFile: func(w io.Writer) error { return WriteKeypointsCSV(w, d.Track) },
		AnglesFile:    func(w io.Writer) error { return WriteAnglesCSV(w, d.Report) },
		HTMLFile:      func(w io.Writer) error { return WriteHTML(w, d) },
	}
}

// writeFile writes path atomically through a buffered writer.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer f.Abort()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := fn(bw); err != nil {
		return fmt.Errorf("report: %s: %w", filepath.Base(path), err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: %s: %w", path, err)
	}
	if err := f.Commit(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// EnsureDir creates dir (and parents) if needed.
func EnsureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
