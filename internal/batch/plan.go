package batch

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The files a batch writes into its output folder beside the report
// folders; no input's folder may take their names.
const (
	RecordFile  = "batch.json"
	IndexFile   = "index.html"
	SummaryFile = "summary.csv"
)

// reservedNames are top-level names an input's folder must not take: the
// batch's own files and the output folder's lock.
var reservedNames = []string{RecordFile, IndexFile, SummaryFile, ".kneescreen.lock"}

// VideoExts are the extensions a recursive walk takes for videos (any
// case): the containers phones, cameras and editors write.
var VideoExts = []string{".mp4", ".m4v", ".mov", ".qt", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp", ".3g2", ".mts", ".m2ts", ".ts", ".flv", ".ogv", ".mxf", ".dv"}

// IsVideoFile reports whether name has one of VideoExts.
func IsVideoFile(name string) bool {
	return slices.Contains(VideoExts, strings.ToLower(filepath.Ext(name)))
}

// Input is one input of a batch.
type Input struct {
	// Path is the input as given, or as found under a walked folder.
	Path string `json:"input"`
	// Rel is its path relative to the batch's base, with "/" separators.
	Rel string `json:"rel"`
	// Folder is its report folder relative to the output folder, with "/"
	// separators.
	Folder string `json:"folder"`
}

// Dir is the input's report folder under out.
func (in Input) Dir(out string) string { return filepath.Join(out, filepath.FromSlash(in.Folder)) }

// ErrNoInputs reports a batch in which nothing is left to analyse.
var ErrNoInputs = errors.New("no inputs")

// Plan is a batch's inputs, each with its report folder.
type Plan struct {
	Inputs []Input
	// Base is the folder the inputs' Rel paths start from: the deepest
	// one holding every input's folder (every walked folder itself).
	Base string
	// Skipped counts files a walk passed over for not being videos.
	Skipped int
}

// NewPlan finds a batch's inputs in args, files or folders as the analyze
// command takes them. Without recursive a folder is one input (a folder of
// images); with it, a folder is walked for video files (IsVideoFile),
// leaving out hidden files and folders and the output folder out. An
// argument that does not exist stays an input (its analysis reports it).
// An input given twice is analysed once. Each input gets a unique report
// folder (see Folders).
func NewPlan(args []string, recursive bool, out string) (*Plan, error) {
	p := &Plan{}
	outAbs, _ := filepath.Abs(out)
	type found struct{ path, abs, anchor string }
	var all []found
	seen := map[string]bool{}
	add := func(path, anchor string) {
		abs, err := filepath.Abs(path)
		if err != nil {
			abs = path
		}
		if seen[abs] {
			return
		}
		seen[abs] = true
		all = append(all, found{path, abs, anchor})
	}
	for _, arg := range args {
		abs, err := filepath.Abs(arg)
		if err != nil {
			abs = filepath.Clean(arg)
		}
		st, statErr := os.Stat(arg)
		if statErr != nil || !st.IsDir() || !recursive {
			add(arg, filepath.Dir(abs))
			continue
		}
		n, err := walk(arg, outAbs, func(path string) { add(path, abs) })
		if err != nil {
			return nil, err
		}
		p.Skipped += n
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("batch: %w: no video files (%s) found in %s", ErrNoInputs, strings.Join(VideoExts, " "), strings.Join(args, ", "))
	}
	anchors := make([]string, len(all))
	for i, f := range all {
		anchors[i] = f.anchor
	}
	base := commonDir(anchors)
	p.Base = base
	rels := make([]string, len(all))
	for i, f := range all {
		rel, err := filepath.Rel(base, f.abs)
		if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
			rel = filepath.Base(f.abs)
		}
		rels[i] = filepath.ToSlash(rel)
	}
	folders := Folders(rels)
	for i, f := range all {
		p.Inputs = append(p.Inputs, Input{Path: f.path, Rel: rels[i], Folder: folders[i]})
	}
	return p, nil
}

// walk calls fn with every video file under root in name order, leaving
// out hidden entries and the folder skip, and returns how many other
// files it passed over.
func walk(root, skip string, fn func(string)) (int, error) {
	skipped := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		hidden := path != root && strings.HasPrefix(d.Name(), ".")
		if d.IsDir() {
			if abs, _ := filepath.Abs(path); hidden || abs == skip {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case hidden:
		case IsVideoFile(d.Name()) && (d.Type().IsRegular() || d.Type()&fs.ModeSymlink != 0):
			fn(path)
		default:
			skipped++
		}
		return nil
	})
	return skipped, err
}

// commonDir is the deepest folder that holds every one of dirs (absolute
// paths).
func commonDir(dirs []string) string {
	base := filepath.Clean(dirs[0])
	for _, d := range dirs[1:] {
		d = filepath.Clean(d)
		for !within(d, base) {
			parent := filepath.Dir(base)
			if parent == base {
				return base
			}
			base = parent
		}
	}
	return base
}

// within reports whether path is dir or inside it.
func within(path, dir string) bool {
	if path == dir {
		return true
	}
	if !strings.HasSuffix(dir, string(filepath.Separator)) {
		dir += string(filepath.Separator)
	}
	return strings.HasPrefix(path, dir)
}

// Folders gives each input, known by its relative path ("/" separators,
// unique), a report folder that no other input's folder equals or
// contains, in any letter case (the output may be read from a file system
// that ignores case): the path without its extension ("d1/squat.mp4" ->
// "d1/squat"); where that collides, the whole path ("d1/squat.mp4" and
// "d1/squat.mov" keep theirs); where that still collides, the path with a
// short digest of it. The folders depend only on the set of paths, not on
// their order, so a re-run of the same batch finds its earlier results.
func Folders(rels []string) []string {
	level := make([]int, len(rels))
	name := func(i int) string { return folderName(rels[i], level[i]) }
	for {
		conflicts := map[int]bool{}
		keys := make([]string, len(rels))
		for i := range rels {
			keys[i] = strings.ToLower(name(i))
			if slices.Contains(reservedNames, keys[i]) {
				conflicts[i] = true // a top-level folder named like the batch's files
			}
		}
		for i := range rels {
			for j := i + 1; j < len(rels); j++ {
				switch {
				case keys[i] == keys[j]:
					conflicts[i], conflicts[j] = true, true
				case strings.HasPrefix(keys[j], keys[i]+"/"):
					conflicts[i] = true // i's folder would hold j's
				case strings.HasPrefix(keys[i], keys[j]+"/"):
					conflicts[j] = true
				}
			}
		}
		progress := false
		for i := range conflicts {
			if level[i] < 2 {
				level[i]++
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	out := make([]string, len(rels))
	for i := range rels {
		out[i] = name(i)
	}
	return out
}

// folderName is rel's folder at a level of Folders: 0 without the
// extension, 1 whole, 2 whole with a digest.
func folderName(rel string, level int) string {
	dir, file := pathpkgSplit(rel)
	stem := file
	if level == 0 {
		stem = strings.TrimSuffix(file, filepath.Ext(file))
	}
	if stem == "" || stem == "." || stem == ".." {
		stem = "input"
	}
	if level >= 2 {
		sum := sha256.Sum256([]byte(rel))
		stem += "-" + hex.EncodeToString(sum[:4])
	}
	return dir + stem
}

// pathpkgSplit splits a "/"-separated path after its last slash.
func pathpkgSplit(p string) (dir, file string) {
	i := strings.LastIndex(p, "/")
	return p[:i+1], p[i+1:]
}
