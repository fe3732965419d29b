package main

import (
	"errors"
	"os"

	"github.com/kneescreen/kneescreen/internal/batch"
	"github.com/kneescreen/kneescreen/vision"
)

// describeInputError renders an input's error as "PATH: cause" on one
// line, followed for the causes a user can act on by what to do
// (inputHint).
func describeInputError(path string, err error) string {
	msg := path + ": " + err.Error()
	var se *vision.SourceError
	if errors.As(err, &se) {
		msg = se.Input + ": " + se.Err.Error()
	}
	if h := inputHint(path, err); h != "" {
		msg += "; " + h
	}
	return oneLine(msg)
}

// inputHint says what to do about an input's error, "" when the message
// says it already (pipeline's errors carry their own advice) or nothing
// useful can be said.
func inputHint(path string, err error) string {
	var se *vision.SourceError
	image := errors.As(err, &se) && vision.IsImageFile(se.Input)
	damaged := errors.Is(err, vision.ErrEmptyFile) || errors.Is(err, vision.ErrTruncated)
	switch {
	case image && damaged && se.Input != path: // one image of a folder
		return "re-export that image or remove it from the folder"
	case image && damaged:
		return "copy or export the image again"
	case errors.Is(err, vision.ErrNotFound):
		return "check the name and the folder (a relative path starts in the current folder)"
	case errors.Is(err, vision.ErrEmptyFile):
		return "copy or export the recording again"
	case errors.Is(err, vision.ErrTruncated):
		return "the copy is incomplete or damaged: copy or export the recording again"
	case errors.Is(err, vision.ErrNotVideo):
		return "give a video with a picture (.mp4 .mov .webm ...) or a folder of images"
	case errors.Is(err, vision.ErrNoFrames):
		return "re-encode it (e.g. ffmpeg -i IN -c:v libx264 OUT.mp4) or record it again"
	case errors.Is(err, vision.ErrBadImage):
		return "replace or remove that image"
	case errors.Is(err, vision.ErrNoImages):
		if holdsVideos(path) {
			return "it holds videos: add --recursive to analyse each one"
		}
		return "put the recording's frames in it as image files, or give a video"
	}
	return ""
}

// holdsVideos reports whether folder dir holds a video file.
func holdsVideos(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Type().IsRegular() && batch.IsVideoFile(e.Name()) {
			return true
		}
	}
	return false
}
