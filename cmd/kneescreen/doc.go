// Command kneescreen screens squats and step-downs from video.
//
// Commands are wired in root.go (see the comment at its top for how a
// command is put together and how to add one); the flag sets several
// commands share are in options.go, the dependencies tests replace in
// deps.go.
package main
