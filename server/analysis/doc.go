// Package analysis adapts kneescreen's pipeline to the clinic server: an
// Analyzer for the worker that runs pipeline.Run with one model loaded
// once and shared by every analysis of the process, within a global thread
// budget; and a Prober for uploads that opens the video with vision before
// anything is stored.
//
// It is the server's only cgo edge (through vision and the pipeline), so
// the web, store, queue and worker packages build and test without cgo.
package analysis
