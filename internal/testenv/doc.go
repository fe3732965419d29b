// Package testenv finds the test material: the small inputs committed in
// the repository's testdata folder (Testdata), and the optional shared
// material (real footage and reference keypoints) that lives beside the
// repository on development and CI machines but not on users' machines
// (Shared; tests that need it skip without it).
package testenv
