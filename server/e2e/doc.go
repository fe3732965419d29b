// Package e2e holds the clinic server's process-level tests: they build
// the kneescreen binary, run `kneescreen serve` and `kneescreen worker`
// processes over loopback, kill them with SIGKILL mid-job, load the server
// with concurrent uploads, and drive the web app in headless Chromium. The
// package has no code of its own.
package e2e
