// Package models estimates body pose with Google's MoveNet SinglePose
// models (Lightning, embedded in the binary, and Thunder, converted on
// demand), run by the project's pure-Go ONNX engine.
//
// It owns everything between a Go image and a pose.Pose: model selection
// (LoadModel), loading and checking a model once (Load: the output must be
// one (y, x, score) triple per joint of the model's skeleton, pose.COCO17
// for MoveNet), per-goroutine Estimators that share the loaded weights, each
// with its own thread count (Model.NewEstimatorThreads), preprocessing
// (letterbox and resize to the model's square input), MoveNet's recommended
// cropping across video frames, and mapping keypoints back to source
// pixels. It takes Go images and never touches GoCV, so it builds and tests
// with CGO_ENABLED=0.
package models
