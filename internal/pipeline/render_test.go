package pipeline

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	xdraw "golang.org/x/image/draw"

	"github.com/kneescreen/kneescreen/pose"
	"github.com/kneescreen/kneescreen/vision"
)

// frameSink keeps copies of the frames Render writes.
type frameSink struct{ frames []*image.RGBA }

func (s *frameSink) Write(img *image.RGBA) error {
	c := image.NewRGBA(img.Rect)
	copy(c.Pix, img.Pix)
	s.frames = append(s.frames, c)
	return nil
}

// greyClip writes n flat grey w x h frames.
func greyClip(t *testing.T, n, w, h int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "grey.mp4")
	vw, err := vision.CreateVideo(path, 25, w, h)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 128
	}
	for range n {
		if err := vw.Write(img); err != nil {
			t.Fatal(err)
		}
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// standingTrack is n poses of a person standing in the left third of a
// w x h frame, every keypoint confident.
func standingTrack(n, w, h int) *pose.Track {
	tr := &pose.Track{Width: w, Height: h, FPS: 25, Skeleton: pose.COCO17}
	at := map[pose.Joint][2]float64{
		pose.Nose: {0.15, 0.15}, pose.LeftShoulder: {0.2, 0.3}, pose.RightShoulder: {0.1, 0.3},
		pose.LeftHip: {0.19, 0.55}, pose.RightHip: {0.11, 0.55}, pose.LeftKnee: {0.2, 0.72},
		pose.RightKnee: {0.1, 0.72}, pose.LeftAnkle: {0.2, 0.9}, pose.RightAnkle: {0.1, 0.9},
	}
	for i := range n {
		p := pose.NewPose(pose.COCO17)
		p.Frame, p.Time, p.Person = i, float64(i)/25, true
		for j, xy := range at {
			k := p.At(j)
			k.X, k.Y, k.Score = xy[0]*float64(w), xy[1]*float64(h), 1
		}
		tr.Poses = append(tr.Poses, p)
	}
	return tr
}

// TestRenderReducingSourceDrawsTheSame: a video source told to reduce its
// frames (vision.Video.SetReduction, what Render does with a file) gives
// byte for byte the annotated frames Render makes by reducing full-size
// frames itself: the same pixels, and the skeleton (keypoints in the
// track's full-size pixels) scaled to the reduced frame, where it is drawn
// on the left third.
func TestRenderReducingSourceDrawsTheSame(t *testing.T) {
	const n, w, h = 6, 320, 192
	path := greyClip(t, n, w, h)
	tr := standingTrack(n, w, h)
	render := func(wrap bool) []*image.RGBA {
		t.Helper()
		src := openVideo(t, path, 25, wrap)
		defer src.Close()
		sink := &frameSink{}
		if _, err := Render(context.Background(), src, nil, tr, RenderOptions{Video: sink, VideoMaxSide: w / 2}); err != nil {
			t.Fatal(err)
		}
		if len(sink.frames) != n {
			t.Fatalf("%d frames written, want %d", len(sink.frames), n)
		}
		return sink.frames
	}
	got, want := render(false), render(true)
	for i := range got {
		if got[i].Rect != want[i].Rect || got[i].Rect.Dx() != w/2 {
			t.Fatalf("frame %d: %v, reduced by Render %v, want %dx%d", i, got[i].Rect, want[i].Rect, w/2, h/2)
		}
		if !bytes.Equal(got[i].Pix, want[i].Pix) {
			t.Fatalf("frame %d differs from the one Render reduces itself", i)
		}
	}
	// The skeleton is there, on the left third, at the reduced scale.
	var drawn, right int
	img := got[n-1]
	for y := 0; y < h/2; y++ {
		for x := 0; x < w/2; x++ {
			c := img.RGBAAt(x, y)
			if absInt(int(c.R)-128)+absInt(int(c.G)-128)+absInt(int(c.B)-128) > 60 {
				drawn++
				if x > w/4 {
					right++
				}
			}
		}
	}
	if drawn < 100 || right > drawn/10 {
		t.Errorf("%d pixels drawn, %d of them in the right half; want a skeleton on the left", drawn, right)
	}
}

// TestRenderShortSource: a render source that runs out before the track's
// last pose fails the video (it would be shorter than its analysis)
// instead of writing it; frames past the last pose are not drawn.
func TestRenderShortSource(t *testing.T) {
	const w, h = 64, 48
	path := greyClip(t, 8, w, h)
	for _, tc := range []struct {
		poses   int
		wantErr bool
	}{{10, true}, {8, false}, {5, false}} {
		src, err := Open(path, 25)
		if err != nil {
			t.Fatal(err)
		}
		sink := &frameSink{}
		_, err = Render(context.Background(), src, nil, standingTrack(tc.poses, w, h), RenderOptions{Video: sink})
		src.Close()
		if tc.wantErr {
			if err == nil || !strings.Contains(err.Error(), "decoded 8 frames") {
				t.Errorf("%d poses, 8 frames: %v, want an error naming the shortfall", tc.poses, err)
			}
			continue
		}
		if err != nil || len(sink.frames) != tc.poses {
			t.Errorf("%d poses, 8 frames: %v, %d frames written, want %d", tc.poses, err, len(sink.frames), tc.poses)
		}
	}
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// pixelEstimator puts the nose at (width, mean of every R, G and B byte)
// of the image it is given: a pose that changes with any pixel.
type pixelEstimator struct{}

func (pixelEstimator) Track(_ context.Context, img image.Image) (pose.Pose, error) {
	p := pose.NewPose(pose.COCO17)
	m := img.(*image.RGBA)
	s := 0
	for y := 0; y < m.Rect.Dy(); y++ {
		for x, v := range m.Pix[y*m.Stride:][:4*m.Rect.Dx()] {
			if x%4 != 3 {
				s += int(v)
			}
		}
	}
	*p.At(pose.Nose) = pose.Keypoint{X: float64(m.Rect.Dx()), Y: float64(s) / float64(3*m.Rect.Dx()*m.Rect.Dy()), Score: 1}
	p.Person = true
	return p, nil
}

func (pixelEstimator) Close() {}

// plainSource hides a source's SetReduction.
type plainSource struct{ vision.FrameSource }

// openVideo opens path as Run does (a folder's images timed at fps); plain
// hides the source's SetReduction, so whoever reads it reduces full-size
// frames itself.
func openVideo(tb testing.TB, path string, fps float64, plain bool) vision.FrameSource {
	tb.Helper()
	src, err := Open(path, fps)
	if err != nil {
		tb.Fatal(err)
	}
	if plain {
		src = plainSource{src}
	}
	return src
}

// TestTrackSourceReductionIsExact: pass one on a video file, whose frames
// vision reduces itself (SetReduction), gives exactly the poses it gives
// when it reduces the full-size frames itself, keypoints scaled back to
// the full size.
func TestTrackSourceReductionIsExact(t *testing.T) {
	const n, w, h = 5, 158, 94
	path := filepath.Join(t.TempDir(), "gradient.mp4")
	vw, err := vision.CreateVideo(path, 25, w, h)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				img.SetRGBA(x, y, color.RGBA{uint8(x + 10*i), uint8(2 * y), uint8(x * y), 255})
			}
		}
		if err := vw.Write(img); err != nil {
			t.Fatal(err)
		}
	}
	if err := vw.Close(); err != nil {
		t.Fatal(err)
	}
	newEst := func(int) (Estimator, error) { return pixelEstimator{}, nil }
	for _, maxSide := range []int{80, 60} { // reductions 2 and 3
		track := func(wrap bool) *pose.Track {
			src := openVideo(t, path, 25, wrap)
			defer src.Close()
			tr, err := Track(context.Background(), src, TrackOptions{NewEstimator: newEst, Lanes: 1, MaxSide: maxSide})
			if err != nil {
				t.Fatal(err)
			}
			return tr
		}
		got, want := track(false), track(true)
		if len(got.Poses) != n || len(want.Poses) != n || got.Width != w || got.Height != h {
			t.Fatalf("MaxSide %d: %d and %d poses, %dx%d", maxSide, len(got.Poses), len(want.Poses), got.Width, got.Height)
		}
		for i := range got.Poses {
			a, b := *got.Poses[i].At(pose.Nose), *want.Poses[i].At(pose.Nose)
			if a != b {
				t.Errorf("MaxSide %d frame %d: nose %+v, reducing here gives %+v", maxSide, i, a, b)
			}
		}
	}
}

// TestShrinkerIdentityIsCatmullRom: the kept frames' copies are the pixels
// Catmull-Rom scaling gives, both when they are reduced (one scaler made
// for the first frame and reused) and when the frame is no larger than
// the cap, where shrinker copies instead of scaling. The frames are noise
// (fixed seed) with opaque alpha, like decoded video, so any pixel the
// copy got wrong would show.
func TestShrinkerIdentityIsCatmullRom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	noise := func(w, h int) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range img.Pix {
			img.Pix[i] = uint8(rng.IntN(256))
			if i%4 == 3 {
				img.Pix[i] = 255
			}
		}
		return img
	}
	for _, tc := range []struct {
		name          string
		w, h, maxSide int
		wantW, wantH  int
	}{
		{"landscape at the cap", 640, 360, 640, 640, 360},
		{"smaller than the cap", 321, 239, 640, 321, 239},
		{"portrait reduced", 540, 960, 640, 360, 640},
		{"landscape reduced", 1280, 720, 640, 640, 360},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := shrinker{maxSide: tc.maxSide}
			for range 2 { // the second frame reuses the scaler
				src := noise(tc.w, tc.h)
				got, ok := k.shrink(src).(*image.RGBA)
				if !ok {
					t.Fatalf("shrink returned %T, want *image.RGBA", got)
				}
				if got.Rect.Dx() != tc.wantW || got.Rect.Dy() != tc.wantH {
					t.Fatalf("shrunk to %v, want %dx%d", got.Rect, tc.wantW, tc.wantH)
				}
				want := image.NewRGBA(image.Rect(0, 0, tc.wantW, tc.wantH))
				xdraw.CatmullRom.Scale(want, want.Rect, src, src.Rect, xdraw.Src, nil)
				if !bytes.Equal(got.Pix, want.Pix) {
					t.Fatal("pixels differ from Catmull-Rom scaling")
				}
				if &got.Pix[0] == &src.Pix[0] {
					t.Fatal("shrink returned the frame itself, not a copy")
				}
			}
		})
	}
}
