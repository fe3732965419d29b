// Package batch is the clinic batch of the analyze command: many inputs, or
// folder trees of recordings, analysed into one output folder.
//
// NewPlan finds the inputs (walking folder trees when asked) and gives each a
// report folder of its own, derived from its path relative to the batch's
// base so two patients' "squat.mp4" in different folders never share one
// (Folders). Record is batch.json, the mapping from inputs to folders with
// each input's content digest and outcome, rewritten as inputs finish.
// WriteIndex writes index.html (one sortable row per input: movement, view,
// reps, key metrics per side, worst finding, a link to its report) and
// summary.csv beside the report folders, from what the folders hold
// (DecodeSummary reads a report.json), so a batch that was resumed after a
// kill lists its earlier results too.
//
// The package knows nothing of models or video: the analyze command runs
// each input through the pipeline and tells the Record how it went.
package batch
