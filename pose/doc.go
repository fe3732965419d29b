// Package pose defines the body keypoints that flow from the pose models to
// the screening code: a model's Skeleton (its landmark names in order, the
// mirror table and the bones, as data), one frame's Pose and a Track of poses
// over time. It has no dependencies beyond the standard library so that both
// sides of the pipeline, and their tests, can share it.
//
// Joints are found by name, never by position: code asks a pose for
// LeftKnee and gets false when the model has no such landmark. COCO17
// (MoveNet) and BlazePose33 (MediaPipe) are the built-in skeletons; a model
// with another landmark set needs one more table, nothing else.
package pose
