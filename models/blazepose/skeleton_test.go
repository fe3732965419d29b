package blazepose

import (
	"testing"

	"github.com/kneescreen/kneescreen/pose"
)

// TestNamesAreTheBlazePose33Skeleton: the landmarks come out in
// pose.BlazePose33's order under its names, so a Pose converts to a
// pose.Pose of that skeleton position by position, and screening, the
// overlay and the CSV read it by name.
func TestNamesAreTheBlazePose33Skeleton(t *testing.T) {
	sk := pose.BlazePose33
	if sk.Len() != NumLandmarks {
		t.Fatalf("pose.BlazePose33 has %d joints, BlazePose %d landmarks", sk.Len(), NumLandmarks)
	}
	for i, n := range Names {
		if string(sk.Joint(i)) != n {
			t.Errorf("landmark %d is %q here, %q in pose.BlazePose33", i, n, sk.Joint(i))
		}
	}
}
