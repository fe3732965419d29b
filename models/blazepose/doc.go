// Package blazepose estimates the 33 BlazePose landmarks (MediaPipe Pose,
// including heels and toes) of one person in images and video frames, with
// the converted BlazePose models run by the project's pure-Go ONNX engine.
//
// It does what MediaPipe's pose graphs do around the two networks
// (mediapipe/modules/pose_detection and pose_landmark, as the TF.js port
// @tensorflow-models/pose-detection blazepose_tfjs also does):
//
//  1. Detection (only when no person is being tracked): the frame is
//     letterboxed onto 224x224 (zero border, values -1..1); the detector
//     scores 2254 SSD anchors, whose boxes and four keypoints are decoded,
//     thresholded (sigmoid score >= 0.5) and merged by weighted non-maximum
//     suppression (IoU 0.3); the letterbox is removed.
//  2. Region of interest: from the best detection's alignment points, the
//     hip centre (keypoint 0) and the full-body scale point (keypoint 1): a
//     square centred on the hips, twice their distance wide, rotated so that
//     the body stands upright, enlarged 1.25 times.
//  3. Landmarks: the rotated square is sampled into 256x256 (bilinear,
//     border replicated, values 0..1); the landmark model gives 39 points
//     (x, y, z, visibility, presence), a heatmap that refines x and y, and
//     the pose presence. Points are projected back to source pixels.
//  4. Tracking: the next frame's region comes from this frame's auxiliary
//     landmarks 33 and 34 (the same alignment points), so the detector runs
//     again only when the presence falls below 0.5. Unlike MediaPipe, which
//     then reports no pose for that frame, Track runs the detector on the same
//     frame, trading one extra inference for a frame that is not lost.
//
// MediaPipe's temporal filters (One Euro smoothing of the landmarks and of
// the region) are left to the caller: kneescreen smooths its own series.
//
// A Model (the two loaded networks) is safe for concurrent use and makes a
// Tracker per goroutine; a Tracker reuses its buffers, so following a person
// allocates nothing per frame. Coordinates are in source pixels with the
// origin at the image's top-left corner (pixel centres at +0.5), as in
// package models. The package never touches GoCV: it builds and tests with
// CGO_ENABLED=0.
package blazepose
