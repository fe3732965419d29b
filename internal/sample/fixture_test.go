package sample

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
	"github.com/kneescreen/kneescreen/vision"
)

var update = flag.Bool("update", false, "rewrite testdata/"+FixtureFile)

// TestFixture checks the committed clip is what FixtureConfig renders
// today: the same frame count and size, and every frame within codec error
// of the drawn one (mean absolute difference per channel below 4 of 255;
// the figure moving, or the wrong clip, is tens). With -update it rewrites
// the clip first.
func TestFixture(t *testing.T) {
	c, err := New(FixtureConfig())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		dir := filepath.Join("..", "..", "testdata")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := c.WriteVideo(context.Background(), filepath.Join(dir, FixtureFile)); err != nil {
			t.Fatal(err)
		}
	}
	src, err := vision.OpenVideo(testenv.Testdata(t, FixtureFile))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if in := src.Info(); in.Width != c.Width || in.Height != c.Height {
		t.Fatalf("fixture is %dx%d, the config %dx%d", in.Width, in.Height, c.Width, c.Height)
	}
	n, worst := 0, 0.0
	for {
		f, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n < c.Len() {
			want := c.Frame(n, nil)
			var sum float64
			for i := range want.Pix {
				if i%4 != 3 {
					d := float64(want.Pix[i]) - float64(f.Image.Pix[i])
					sum += max(d, -d)
				}
			}
			worst = max(worst, sum/float64(len(want.Pix)*3/4))
		}
		n++
	}
	if n != c.Len() {
		t.Fatalf("fixture has %d frames, the config renders %d", n, c.Len())
	}
	t.Logf("%d frames; worst mean difference %.2f of 255", n, worst)
	if worst > 4 {
		t.Errorf("fixture frames differ from the rendered ones by up to %.1f of 255 on average: regenerate it (-update)", worst)
	}
}
