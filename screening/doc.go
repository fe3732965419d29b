// Package screening turns a keypoint track (package pose) into a movement
// screening report: it conditions the track, classifies the camera view and
// the movement, segments repetitions, measures knee-tracking metrics per rep
// and side, and grades indicators of muscle imbalance against documented
// thresholds. It is pure Go and knows nothing of video or models, so the
// batch analyze command ([Analyze]) and a live webcam mode ([Live]) share
// it.
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
//  3. Classify the view from body proportions.
//  4. Find reps from the mid-hip height in standing leg lengths, first with
//     the shallow single-leg criterion.
//  5. Classify the movement and each rep's stance leg from the ankles, and
//     find the reps again with the movement's own criterion.
//  6. Compute every metric per frame (Report.Series, angles.csv).
//  7. Read each rep's metrics and summarise them over reps.
//  8. Grade the indicators, and the step-down score of single-leg tasks.
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
// An indicator grades one metric: the mean of its rep values against a
// watch and a flag cut-off, on each leg, on each stance leg of a
// single-leg task or once for the body, or as a left/right asymmetry
// (difference of means, or the limb symmetry index). Each carries its
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
