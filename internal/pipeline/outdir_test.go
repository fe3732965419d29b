package pipeline

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// tree lists every path under root, relative, sorted.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var got []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			rel, _ := filepath.Rel(root, p)
			got = append(got, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	return got
}

// TestMadeDirs: MakeDir makes a folder and its missing parents, and
// RemoveMadeDirs removes, bottom-up, only what was made and is empty:
// never a folder that was there before, one that holds a file, nor its
// parents; a folder another analysis made is removed by whichever is the
// last to leave it empty (two analyses in sibling folders of one new
// parent, both failing); one published into is forgotten (keepMadeDirs),
// and its parents with it.
func TestMadeDirs(t *testing.T) {
	t.Run("nested, all made", func(t *testing.T) {
		root := t.TempDir()
		dir := filepath.Join(root, "a", "b", "c")
		if err := MakeDir(dir); err != nil {
			t.Fatal(err)
		}
		if got := tree(t, root); !slices.Equal(got, []string{"a", "a/b", "a/b/c"}) {
			t.Fatalf("made %v", got)
		}
		RemoveMadeDirs(dir)
		if got := tree(t, root); len(got) != 0 {
			t.Errorf("left %v", got)
		}
	})
	t.Run("existing parent kept", func(t *testing.T) {
		root := t.TempDir()
		if err := os.Mkdir(filepath.Join(root, "a"), 0o755); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(root, "a", "b")
		if err := MakeDir(dir); err != nil {
			t.Fatal(err)
		}
		RemoveMadeDirs(dir)
		if got := tree(t, root); !slices.Equal(got, []string{"a"}) {
			t.Errorf("left %v, want a", got)
		}
		// An existing folder itself: nothing made, nothing removed.
		if err := MakeDir(root); err != nil {
			t.Fatal(err)
		}
		RemoveMadeDirs(root)
		if _, err := os.Stat(root); err != nil {
			t.Errorf("existing folder removed: %v", err)
		}
	})
	t.Run("not empty", func(t *testing.T) {
		root := t.TempDir()
		dir := filepath.Join(root, "a", "b")
		if err := MakeDir(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		RemoveMadeDirs(dir)
		if got := tree(t, root); !slices.Equal(got, []string{"a", "a/b", "a/b/x"}) {
			t.Errorf("left %v, want all of it", got)
		}
	})
	t.Run("siblings both failing", func(t *testing.T) {
		root := t.TempDir()
		a, b := filepath.Join(root, "p", "a"), filepath.Join(root, "p", "b")
		for _, d := range []string{a, b} {
			if err := MakeDir(d); err != nil {
				t.Fatal(err)
			}
		}
		RemoveMadeDirs(a) // p still holds b
		if got := tree(t, root); !slices.Equal(got, []string{"p", "p/b"}) {
			t.Fatalf("after the first: %v", got)
		}
		RemoveMadeDirs(b) // p, made by the first, is empty now
		if got := tree(t, root); len(got) != 0 {
			t.Errorf("after the second: %v", got)
		}
	})
	t.Run("published sibling", func(t *testing.T) {
		root := t.TempDir()
		a, b := filepath.Join(root, "p", "a"), filepath.Join(root, "p", "b")
		for _, d := range []string{a, b} {
			if err := MakeDir(d); err != nil {
				t.Fatal(err)
			}
		}
		keepMadeDirs(b) // b's analysis published: p and b are results
		RemoveMadeDirs(a)
		RemoveMadeDirs(b) // a late failure there: still kept
		if got := tree(t, root); !slices.Equal(got, []string{"p", "p/b"}) {
			t.Errorf("left %v, want p/b", got)
		}
	})
	t.Run("a file in the way", func(t *testing.T) {
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, "f"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, dir := range []string{filepath.Join(root, "f"), filepath.Join(root, "f", "b", "c")} {
			if err := MakeDir(dir); err == nil {
				t.Errorf("%s made", dir)
			}
			RemoveMadeDirs(dir)
		}
		if got := testenv.DirNames(t, root); !slices.Equal(got, []string{"f"}) {
			t.Errorf("left %v", got)
		}
	})
}
