package blazepose

// NumLandmarks is the number of pose landmarks (MediaPipe's 33).
const NumLandmarks = 33

// numOutputLandmarks is the number of points the landmark model emits: the
// 33 landmarks, the two auxiliary alignment points (hip centre and
// full-body scale point) and four more the pipeline does not use.
const numOutputLandmarks = 39

// The auxiliary landmarks that set the next frame's region.
const (
	auxHipCentre = 33
	auxScale     = 34
)

// Names are the landmarks' MediaPipe names in the models' output order.
var Names = [NumLandmarks]string{
	"nose",
	"left_eye_inner", "left_eye", "left_eye_outer",
	"right_eye_inner", "right_eye", "right_eye_outer",
	"left_ear", "right_ear",
	"mouth_left", "mouth_right",
	"left_shoulder", "right_shoulder",
	"left_elbow", "right_elbow",
	"left_wrist", "right_wrist",
	"left_pinky", "right_pinky",
	"left_index", "right_index",
	"left_thumb", "right_thumb",
	"left_hip", "right_hip",
	"left_knee", "right_knee",
	"left_ankle", "right_ankle",
	"left_heel", "right_heel",
	"left_foot_index", "right_foot_index",
}

// Index returns the index of the landmark with the given MediaPipe name,
// or -1.
func Index(name string) int {
	for i, n := range Names {
		if n == name {
			return i
		}
	}
	return -1
}

// Landmark is one point of a pose.
type Landmark struct {
	// X and Y are in source pixels, origin at the image's top-left corner.
	X, Y float64
	// Z is the depth relative to the hips' midpoint, in the same pixel
	// scale as X; smaller is nearer the camera. It is much less reliable
	// than X and Y.
	Z float64
	// Visibility is the model's probability that the point is visible
	// (not occluded), Presence that it is inside the frame; both 0..1.
	Visibility, Presence float64
}

// WorldLandmark is a landmark in metres, origin at the hips' midpoint,
// rotated like the image (y down).
type WorldLandmark struct {
	X, Y, Z float64
}

// Pose is the result for one image or frame.
type Pose struct {
	// Person reports that the landmark model found a person in the region
	// (presence >= the threshold); the other fields are valid only then.
	Person bool
	// Presence is the landmark model's pose presence score, 0..1 (0 when no
	// detection gave a region).
	Presence float64
	// Landmarks are the 33 points in Names order.
	Landmarks [NumLandmarks]Landmark
	// World holds the same points in metres.
	World [NumLandmarks]WorldLandmark
	// HipCentre and ScalePoint are the auxiliary alignment landmarks the
	// next frame's region is built from.
	HipCentre, ScalePoint Landmark
	// Region is the region of interest the landmarks were found in.
	Region Rect
	// Detected reports that the detector ran on this frame (no person was
	// being tracked, or tracking lost them).
	Detected bool
}
