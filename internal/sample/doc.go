// Package sample makes the demonstration clip that `make demo` analyses on
// a fresh machine and that the end-to-end tests use: the synthetic body of
// screening/synth (a 3D stick body squatting with a set knee valgus,
// projected to a camera) rendered as a human-like figure: clothed limbs as
// shaded capsules, a torso, a head with hair and a face, shoes, on a plain
// room background. MoveNet finds this figure with high keypoint scores
// (the package's tests check that), so the whole pipeline runs on it
// without any downloaded footage.
//
// It is not real footage: it exercises the tool, it says nothing about a
// real person's knees.
package sample
