package testenv

// RepsByEye is the number of complete repetitions in each shared video
// (realdata/videos), counted by watching the clips; clips without a squat
// (balance, walking, arm raises) have none. It is the one table every
// real-footage test checks rep counts against.
var RepsByEye = map[string]int{
	// One overhead deep squat per clip; partners film the same rep.
	"lnewco_IMG_7026.mov": 1,
	"lnewco_IMG_7027.mov": 1,
	"lnewco_IMG_7029.mov": 1,
	"lnewco_IMG_7032.mov": 1, // starts a little into the descent
	"lnewco_IMG_7033.mov": 1,
	"lnewco_IMG_7051.mov": 1,
	"lnewco_IMG_7052.mov": 1,
	"lnewco_IMG_7054.mov": 1,
	// 12 complete air squats; a 13th turns into a push-up at 28-30 s.
	"rjsong_front_squat.mp4": 12,
	// Walks up to the webcam before and after three squats; shins cut off.
	"vancouver_webcam_squat.webm": 3,
	// Three deep squats, then walks out towards the camera.
	"yuyoujiang_side_squat.mp4":          3,
	"rohanx01_side_backsquat_mirror.mp4": 2,
	"pooja_side_squat.mp4":               1,
	// Short clips: one complete rep each, partial reps cut at the ends.
	"workouttracker_squat_9.mp4":  1,
	"workouttracker_squat_12.mp4": 1,
	"workouttracker_squat_17.mp4": 1,
	"workouttracker_squat_18.mp4": 1,
	"workouttracker_squat_24.mp4": 1,
	// Single-leg squat tutorial: two slow reps (7-16 s and 30-36 s) holding
	// a desk, with a zoomed cut-in between them.
	"eyantra_side_single_leg_squat.mp4": 2,
	// One barbell back squat per clip (test_*) or one bodyweight squat
	// (train_*, stock clips of different people).
	"spotme_front_squat_test_bad1.mp4":   1,
	"spotme_front_squat_test_bad3.mp4":   1,
	"spotme_front_squat_test_bad5.mp4":   1,
	"spotme_front_squat_test_good1.mp4":  1,
	"spotme_front_squat_test_good3.mp4":  1,
	"spotme_front_squat_test_good5.mp4":  1,
	"spotme_front_squat_train_good1.mp4": 1,
	"spotme_front_squat_train_good2.mp4": 1,
	"spotme_front_squat_train_good3.mp4": 1,
	"spotme_front_squat_train_good4.mp4": 1,
	"spotme_front_squat_train_good5.mp4": 1,
	// 12 fps, repeated squats about every 2 s. The labels mark depth (x)
	// on 14 of 003's reps; watching shows a 15th at about 14.2 s that
	// has no depth label. 009 has seven "knee ahead" reps (kx), 024
	// fourteen "k" segments, each one rep.
	"posture_squat_000.mp4": 15,
	"posture_squat_003.mp4": 15,
	"posture_squat_009.mp4": 7,
	"posture_squat_024.mp4": 14,
	// Negative cases: no squat at all.
	"sports2d_front_lateral_raise_no_squat.mp4": 0,
	"sports2d_side_walking.mp4":                 0,
	"pose2sim_single_leg_balance_cam01.mp4":     0,
	"pose2sim_single_leg_balance_cam02.mp4":     0,
	"pose2sim_single_leg_balance_cam03.mp4":     0,
	"pose2sim_single_leg_balance_cam04.mp4":     0,
}
