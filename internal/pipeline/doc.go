// Package pipeline runs kneescreen's analysis of one input end to end:
// frames from a vision source, poses from the estimator, the screening
// report, then an annotated pass and the report files (Run). It is the piece
// the analyze command, a clinic batch mode, a live webcam mode and an upload
// server share; it knows nothing of flags, terminals or HTTP.
//
// The pose pass is a stream: StreamPoses hands each frame's pose to a
// callback, in frame order, holding only the frames in flight, so it runs as
// long as a camera delivers; Track is the batch path that collects them. The
// work is a pipeline across cores: decoding runs in its own goroutine
// (vision.Stream), pose estimation in one or more lanes (each an Estimator
// with its own tracking state), and collection in the caller's goroutine,
// joined by small bounded channels, so a slow stage holds the others back
// instead of piling frames up in memory. Cancelling the context stops every
// stage. A live camera, whose frames come one by one and whose latency
// counts, estimates them with a FrameEstimator instead: the pass's
// settings, one frame at a time, a symmetric frame's two images at once.
//
// When Run writes the annotated video or the HTML report, pass one keeps
// every frame at the size the annotated pass draws on in a capped,
// unlinked temporary file (FrameStoreOptions), and that pass reads them
// back instead of decoding the input again; a clip the store cannot hold
// is decoded twice, with the same result.
//
// Run writes its folder as one report.Output: the files are staged while it
// works (report.json and the CSVs first, so a failed annotated video cannot
// lose them) and published together under a manifest naming the input's
// content (InputDigest) and the settings (Config.Fingerprint). Complete
// tells whether a folder already holds that result, which is how a batch
// resumes.
//
// Concurrent runs share a loaded model (their NewEstimator makes estimators
// from it) and a Budget of inference threads, so a server's workers or a
// batch's parallel inputs never estimate on more threads than the process
// allows. The annotated pass draws with package overlay.
package pipeline
