package batch

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFolders: every input gets its own folder, none inside another's,
// whatever the names; plain names stay plain. The first case is the
// review's: d1/a.mp4, d2/a.mp4 and a-2.mp4 once put two inputs in a-2/.
func TestFolders(t *testing.T) {
	for _, tc := range []struct {
		name string
		rels []string
		want []string
	}{
		{"same name in two folders", []string{"d1/a.mp4", "d2/a.mp4", "a-2.mp4"}, []string{"d1/a", "d2/a", "a-2"}},
		{"plain", []string{"anna.mp4", "ben.mov", "frames"}, []string{"anna", "ben", "frames"}},
		{"two containers of one name", []string{"x/a.mp4", "x/a.mov", "x/b.mp4"}, []string{"x/a.mp4", "x/a.mov", "x/b"}},
		{"letter case", []string{"A.mp4", "a.mp4"}, []string{"A.mp4-" + shortSum("A.mp4"), "a.mp4-" + shortSum("a.mp4")}},
		{"a folder inside another", []string{"a.mp4", "a/b.mp4"}, []string{"a.mp4", "a/b"}},
		{"named like the batch's files", []string{"index.html.mp4", "batch.json.mov", "summary.csv.avi", "ok.mp4"}, []string{"index.html.mp4", "batch.json.mov", "summary.csv.avi", "ok"}},
		{"extension only and a look-alike", []string{".mp4", "input.mp4"}, []string{".mp4", "input.mp4"}},
		{"a name that is another's with its extension", []string{"a.mp4", "a.mp4.mov", "a.mov"}, []string{"a.mp4-" + shortSum("a.mp4"), "a.mp4.mov", "a.mov"}},
		{"unicode, spaces, leading dash", []string{"Zoë/squat 1.mp4", "-y.mp4", "视频.mov"}, []string{"Zoë/squat 1", "-y", "视频"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Folders(tc.rels)
			if !slices.Equal(got, tc.want) {
				t.Errorf("Folders(%q) = %q, want %q", tc.rels, got, tc.want)
			}
			checkUnique(t, got)
			// The folders do not depend on the inputs' order.
			rev := slices.Clone(tc.rels)
			slices.Reverse(rev)
			back := Folders(rev)
			slices.Reverse(back)
			if !slices.Equal(back, got) {
				t.Errorf("reversed inputs give %q", back)
			}
		})
	}
}

func shortSum(rel string) string { return folderName(rel, 2)[len(rel)+1:] }

// checkUnique asserts no folder equals or contains another, in any case.
func checkUnique(t *testing.T, folders []string) {
	t.Helper()
	for i, a := range folders {
		a = strings.ToLower(a)
		if slices.Contains(reservedNames, a) {
			t.Errorf("folder %q takes a batch file's name", a)
		}
		for _, b := range folders[i+1:] {
			b = strings.ToLower(b)
			if a == b || strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/") {
				t.Errorf("folders %q and %q collide", a, b)
			}
		}
	}
}

// FuzzFolders: for any set of distinct relative paths the folders are
// unique and none holds another.
func FuzzFolders(f *testing.F) {
	f.Add("d1/a.mp4\nd2/a.mp4\na-2.mp4")
	f.Add("A.mp4\na.mp4\na\na/b.mp4")
	f.Fuzz(func(t *testing.T, list string) {
		var rels []string
		seen := map[string]bool{}
		for _, r := range strings.Split(list, "\n") {
			r = strings.Trim(r, "/")
			if r == "" || seen[r] || strings.Contains(r, "//") || slices.Contains(strings.Split(r, "/"), "..") || slices.Contains(strings.Split(r, "/"), ".") {
				continue
			}
			seen[r] = true
			rels = append(rels, r)
		}
		if len(rels) == 0 || len(rels) > 50 {
			return
		}
		checkUnique(t, Folders(rels))
	})
}

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPlan: a recursive walk takes the videos of a tree, in name order,
// leaving out hidden entries, other files and the output folder inside
// it; folders are relative to the walked root; inputs given twice count
// once; without recursive a folder is one input.
func TestPlan(t *testing.T) {
	root := t.TempDir()
	t.Chdir(root)
	for _, f := range []string{"clinic/anna/squat.mp4", "clinic/anna/notes.txt", "clinic/ben/squat.MOV", "clinic/ben/.hidden.mp4",
		"clinic/.trash/old.mp4", "clinic/out/x/annotated.mp4", "clinic/zoë/step down.mkv", "other/squat.mp4", "frames/0001.png"} {
		touch(t, f)
	}
	p, err := NewPlan([]string{"clinic"}, true, "clinic/out")
	if err != nil {
		t.Fatal(err)
	}
	if p.Base != filepath.Join(root, "clinic") {
		t.Errorf("base %s", p.Base)
	}
	var got []string
	for _, in := range p.Inputs {
		got = append(got, in.Path+" -> "+in.Folder)
	}
	want := []string{"clinic/anna/squat.mp4 -> anna/squat", "clinic/ben/squat.MOV -> ben/squat", "clinic/zoë/step down.mkv -> zoë/step down"}
	if !slices.Equal(got, want) || p.Skipped != 1 {
		t.Errorf("Plan = %q, %d skipped; want %q, 1 skipped (notes.txt)", got, p.Skipped, want)
	}

	p, err = NewPlan([]string{"clinic", "other/squat.mp4", "./other/squat.mp4", "frames", "missing.mp4"}, true, "out")
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, in := range p.Inputs {
		got = append(got, in.Rel+" -> "+in.Folder)
	}
	want = []string{
		"clinic/anna/squat.mp4 -> clinic/anna/squat", "clinic/ben/squat.MOV -> clinic/ben/squat",
		"clinic/out/x/annotated.mp4 -> clinic/out/x/annotated", "clinic/zoë/step down.mkv -> clinic/zoë/step down",
		"other/squat.mp4 -> other/squat", "missing.mp4 -> missing",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Plan = %q, want %q (frames holds no video; other/squat.mp4 once)", got, want)
	}

	p, err = NewPlan([]string{"frames", "other/squat.mp4"}, false, "out")
	if err != nil || len(p.Inputs) != 2 || p.Inputs[0].Folder != "frames" || p.Inputs[1].Folder != "other/squat" {
		t.Errorf("without recursive: %+v, %v", p, err)
	}
	if _, err := NewPlan([]string{"frames"}, true, "out"); err == nil || !strings.Contains(err.Error(), "no video files") {
		t.Errorf("a tree without videos: %v", err)
	}
}
