// Package screening turns a keypoint track (package pose) into a movement
// screening report: it conditions the track, segments repetitions,
// estimates the camera's angle to the person and the movement rep by rep,
// measures knee-tracking metrics per rep and side with what each rep's
// view allows, and grades indicators of muscle imbalance per rep and per
// clip against documented thresholds. It is pure Go and knows nothing of
// video or models, so the batch analyze command ([Analyze]) and a live
// webcam mode ([Stream]) share it.
//
// # Phases
//
// [Analyze] runs one analysis in phases, each a method of one analysis
// value that reads what the earlier phases left:
//
//  1. Condition the track: keypoints scored below filter.min_score are
//     dropped; sudden left/right leg swaps are undone; camera cuts (zoomed
//     cut-ins) split the track into shots, each measured at its own scale;
//     a Hampel filter rejects outliers; gaps up to filter.max_gap_s are
//     interpolated; a zero-phase Butterworth low-pass (or the causal
//     One-Euro filter) smooths the rest (package screening/filter). The
//     report's quality block and data problems come from here.
//  2. Measure the body: segment lengths, standing level, facing direction.
//     Each shot is split into stations where the person steps to another
//     distance from the camera and stands there (station.go), and each
//     station is measured at its own scale.
//  3. Find reps from the mid-hip height in standing leg lengths, first with
//     the shallow single-leg criterion.
//  4. Estimate the camera's yaw cues (view.go): body width against trunk
//     length calibrated on the person, the head's nose-to-ears offset.
//  5. Classify each rep's movement from the feet and legs, whatever the
//     view (movement.go): a foot that moves with the hips is a free foot
//     (single-leg squat, step-down), a split posture at the bottom a
//     lunge, trunk far forward with little knee flexion a hip hinge, else
//     a squat; then find the reps again with the movement's own criterion.
//  6. Give each rep its yaw (adding its sagittal parallax, a lower bound)
//     and view (front within thresholds.view.frontal_max_yaw_deg, side
//     beyond thresholds.view.sagittal_min_yaw_deg, else oblique), each
//     frame its view, the clip its view segments; correct the frontal
//     keypoints for the remaining yaw (frontal.go); measure each rep's
//     foot turn-out from the heel and toe keypoints where the model has
//     them, else take thresholds.knee_over_foot.default_toe_out_deg
//     (feet.go).
//  7. Compute every metric per frame (Report.Series, angles.csv), valid
//     only where the frame's view and movement allow it.
//  8. Read each rep's metrics (only those its view and movement allow)
//     and summarise them over reps.
//  9. Grade every rep on its own (findings.go: Rep.Findings), then the
//     clip's indicators from the reps' findings, and the step-down score
//     of single-leg tasks.
//
// A rep's findings depend only on that rep and the thresholds
// ([RepGrader]), its toe-out too (a rep whose feet were not seen takes the
// other reps'); the one cross-rep reading is knee_medial_offset's change
// from the person's best rep, which a live screen takes over the reps so
// far.
//
// # Streaming
//
// [Stream] screens a pose stream one frame at a time, in bounded memory
// and constant work per frame: the same conditioning made causal (a
// trailing outlier test, short gaps held, the One-Euro filter), a running
// calibration of the person's proportions, the live metrics a display
// shows (FPPA and knee over foot per side, depth), framing problems, and
// an online rep detector. When a rep ends, Push hands back the rep's
// frames with up to 20 s of the past ([RepWindow]); a [LiveGrader]
// screens them once with [Analyze] (whether it is a rep at all, its
// metrics, view and movement), takes the change from the best rep over
// the reps so far, and grades the rep with the [RepGrader] the report
// uses, so a rep's verdict is what the batch analysis says of it (the
// report's, with the whole recording, may still differ where a later rep
// becomes the best, or for the first rep, which has no past).
//
// # Metrics
//
// Every metric is one definition in its own file, metric_<name>.go, that
// registers itself from init, as the ONNX engine's operators do: name,
// unit, per side or whole body, the views and movements it is valid in,
// label, description, how it is computed per frame, its validity condition
// and plausible range, how a rep's value is read (by default at the rep's
// bottom frame; FPPA takes its peak over the valid descent) and the
// indicators graded from it. The per-frame series, the rep values, the
// report's metric list, report.html's labels ([MetricSpecs]), the schema's
// metric-name enum and METRICS.md all derive from the registry, and tests
// keep the generated documents current. Adding a metric is one file plus
// its test; a new indicator with new cut-offs also adds them to
// [Thresholds] (see below).
//
// # Indicators
//
// An indicator grades one metric against a watch and a flag cut-off, on
// each leg, on each stance leg of a single-leg task or once for the
// body, or as a left/right asymmetry (difference, or the limb symmetry
// index). Each rep gets a finding per indicator and leg; the clip's level
// is the worst level at least a third of the assessable reps reach
// ([SummaryRule]) and its value their mean. Each carries its
// threshold keys, source, confidence (keypoint scores, view confidence,
// share of reps measured) and a corrective focus. Every threshold has a
// configuration key, default, unit and source ([ThresholdSpecs],
// THRESHOLDS.md). Indicators are screening signs for a professional to
// interpret, never diagnoses.
//
// # Missing data
//
// Values that cannot be measured are NaN in Go and null in JSON, with a
// validity flag per frame (Series) and a reason where a whole metric or
// indicator is not assessable (wrong view, free leg, too few frames, low
// confidence). Nothing is interpolated across gaps longer than
// filter.max_gap_s or across camera cuts.
package screening
