// Package models estimates body pose with two model families, run by the
// project's pure-Go ONNX engine: Google's MoveNet SinglePose (Lightning,
// embedded in the binary, and Thunder, converted on demand; the 17 COCO
// keypoints) and MediaPipe's BlazePose (a person detector with the lite,
// full or heavy landmark model, package models/blazepose; 33 landmarks
// including heels and toes).
//
// Open resolves a --model value to either family behind one seam: a
// PoseModel, loaded and checked once, safe for concurrent use, that makes
// per-goroutine PoseEstimators sharing its weights, each with its own
// thread count. A pose names its keypoints by skeleton (pose.COCO17,
// pose.BlazePose33), so callers never ask which family made it.
//
// For MoveNet the package owns everything between a Go image and a
// pose.Pose: model selection (LoadModel), loading and checking a model
// (Load: the output must be one (y, x, score) triple per joint of the
// model's skeleton, pose.COCO17), preprocessing (letterbox and resize to
// the model's square input), MoveNet's recommended cropping across video
// frames, and mapping keypoints back to source pixels. BlazePose's
// pipeline lives in models/blazepose; here its landmarks become keypoints
// scored by the lesser of their visibility and presence. The package takes
// Go images and never touches GoCV, so it builds and tests with
// CGO_ENABLED=0.
package models
