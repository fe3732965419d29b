// Package realdata tests the screening package on the shared real footage,
// with keypoints from the pose model (package models). It lives apart from
// the screening tests so that those build and run without the model.
package realdata
