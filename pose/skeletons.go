package pose

// The skeleton tables. Adding a model with another landmark set means one
// more table here (and its line in builtin); nothing else reads joint
// positions.

// COCO17 is the 17-keypoint COCO skeleton that MoveNet emits, in MoveNet's
// output order.
var COCO17 = mustSkeleton(SkeletonSpec{
	Name: "coco17",
	Joints: []Joint{
		Nose, LeftEye, RightEye, LeftEar, RightEar,
		LeftShoulder, RightShoulder, LeftElbow, RightElbow,
		LeftWrist, RightWrist, LeftHip, RightHip,
		LeftKnee, RightKnee, LeftAnkle, RightAnkle,
	},
	Mirror: [][2]Joint{
		{LeftEye, RightEye}, {LeftEar, RightEar}, {LeftShoulder, RightShoulder},
		{LeftElbow, RightElbow}, {LeftWrist, RightWrist}, {LeftHip, RightHip},
		{LeftKnee, RightKnee}, {LeftAnkle, RightAnkle},
	},
	Bones: [][2]Joint{
		{LeftShoulder, RightShoulder},
		{LeftShoulder, LeftElbow}, {LeftElbow, LeftWrist},
		{RightShoulder, RightElbow}, {RightElbow, RightWrist},
		{LeftShoulder, LeftHip}, {RightShoulder, RightHip},
		{LeftHip, RightHip},
		{Nose, LeftEye}, {Nose, RightEye},
		{LeftEye, LeftEar}, {RightEye, RightEar},
		{LeftHip, LeftKnee}, {LeftKnee, LeftAnkle},
		{RightHip, RightKnee}, {RightKnee, RightAnkle},
	},
})

// BlazePose33 is the 33-landmark skeleton of MediaPipe's BlazePose, with
// MediaPipe's landmark names in its output order; the bones are MediaPipe's
// POSE_CONNECTIONS. Its 17 COCO-named landmarks mean the same points as
// COCO17's, so screening reads either; it adds the hands' fingers and the
// feet (heel and foot index, the tip of the big toe).
var BlazePose33 = mustSkeleton(SkeletonSpec{
	Name: "blazepose33",
	Joints: []Joint{
		Nose, "left_eye_inner", LeftEye, "left_eye_outer",
		"right_eye_inner", RightEye, "right_eye_outer",
		LeftEar, RightEar, "mouth_left", "mouth_right",
		LeftShoulder, RightShoulder, LeftElbow, RightElbow,
		LeftWrist, RightWrist, "left_pinky", "right_pinky",
		"left_index", "right_index", "left_thumb", "right_thumb",
		LeftHip, RightHip, LeftKnee, RightKnee,
		LeftAnkle, RightAnkle, LeftHeel, RightHeel,
		LeftFootIndex, RightFootIndex,
	},
	Mirror: [][2]Joint{
		{"left_eye_inner", "right_eye_inner"}, {LeftEye, RightEye}, {"left_eye_outer", "right_eye_outer"},
		{LeftEar, RightEar}, {"mouth_left", "mouth_right"},
		{LeftShoulder, RightShoulder}, {LeftElbow, RightElbow}, {LeftWrist, RightWrist},
		{"left_pinky", "right_pinky"}, {"left_index", "right_index"}, {"left_thumb", "right_thumb"},
		{LeftHip, RightHip}, {LeftKnee, RightKnee}, {LeftAnkle, RightAnkle},
		{LeftHeel, RightHeel}, {LeftFootIndex, RightFootIndex},
	},
	Bones: [][2]Joint{
		{Nose, "left_eye_inner"}, {"left_eye_inner", LeftEye}, {LeftEye, "left_eye_outer"}, {"left_eye_outer", LeftEar},
		{Nose, "right_eye_inner"}, {"right_eye_inner", RightEye}, {RightEye, "right_eye_outer"}, {"right_eye_outer", RightEar},
		{"mouth_left", "mouth_right"},
		{LeftShoulder, RightShoulder},
		{LeftShoulder, LeftElbow}, {LeftElbow, LeftWrist},
		{LeftWrist, "left_pinky"}, {LeftWrist, "left_index"}, {LeftWrist, "left_thumb"}, {"left_pinky", "left_index"},
		{RightShoulder, RightElbow}, {RightElbow, RightWrist},
		{RightWrist, "right_pinky"}, {RightWrist, "right_index"}, {RightWrist, "right_thumb"}, {"right_pinky", "right_index"},
		{LeftShoulder, LeftHip}, {RightShoulder, RightHip}, {LeftHip, RightHip},
		{LeftHip, LeftKnee}, {RightHip, RightKnee},
		{LeftKnee, LeftAnkle}, {RightKnee, RightAnkle},
		{LeftAnkle, LeftHeel}, {RightAnkle, RightHeel},
		{LeftHeel, LeftFootIndex}, {RightHeel, RightFootIndex},
		{LeftAnkle, LeftFootIndex}, {RightAnkle, RightFootIndex},
	},
})
