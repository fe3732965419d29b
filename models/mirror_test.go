package models

import (
	"context"
	"image"
	"image/draw"
	"path/filepath"
	"testing"

	"github.com/kneescreen/kneescreen/internal/testenv"
)

// TestTrackMirroredMatchesMirroredCopy tracks a person across frames that
// pan over a COCO photo, once with TrackMirrored on the frames and once
// with Track on mirrored copies of them: every pose, keypoint for keypoint,
// and every tracked crop region are identical, bit for bit. (The pipeline
// amplifies a last-bit difference into degrees of FPPA; see
// TestLightningOutputBits in models/engine.)
func TestTrackMirroredMatchesMirroredCopy(t *testing.T) {
	photo := decodeFile(t, filepath.Join(testenv.Shared(t, "realdata/images/coco"), "000000040083.jpg"))
	m, err := Load(testModel(t, Lightning), Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	a, b := m.NewEstimator(), m.NewEstimator()
	defer a.Close()
	defer b.Close()
	pb := photo.Bounds()
	canvas := image.NewRGBA(image.Rect(0, 0, pb.Dx()+60, pb.Dy()+40))
	draw.Draw(canvas, pb.Add(image.Pt(30, 20)), photo, pb.Min, draw.Src)
	ctx := context.Background()
	for i := range 8 {
		// A frame pans 5 pixels right and 3 down each time, so the crop
		// follows the person; the last ones are cut from a sub-image.
		r := image.Rect(5*i, 3*i, 5*i+pb.Dx()-1, 3*i+pb.Dy()-1)
		frame := canvas.SubImage(r).(*image.RGBA)
		want, err := a.Track(ctx, mirroredCopy(frame))
		if err != nil {
			t.Fatal(err)
		}
		got, err := b.TrackMirrored(ctx, frame)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Person || got.Person != want.Person {
			t.Fatalf("frame %d: person %v, mirrored copy %v (want a person)", i, got.Person, want.Person)
		}
		for k := range want.Keypoints {
			if got.Keypoints[k] != want.Keypoints[k] {
				t.Fatalf("frame %d: keypoint %d is %+v, mirrored copy %+v", i, k, got.Keypoints[k], want.Keypoints[k])
			}
		}
		ra, _ := a.Region()
		rb, _ := b.Region()
		if ra != rb {
			t.Fatalf("frame %d: next region %+v, mirrored copy %+v", i, rb, ra)
		}
	}
}
