package vision

import (
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/kneescreen/kneescreen/internal/bgr"
)

// Frame is one decoded picture.
//
// Ownership: a Frame returned by FrameSource.Next borrows the source's
// buffer; its Image is valid until the next call to Next or Close and must
// be copied to be kept. Frames received from a FrameStream belong to the
// receiver (see FrameStream.Release).
type Frame struct {
	// Index counts frames from 0 in presentation order.
	Index int
	// Time is the frame's presentation time in seconds, relative to the
	// first frame (which is at 0). For files it comes from the container's
	// timestamps, so variable-frame-rate phone videos keep their real
	// timing; where the container has none it is Index/FPS. Camera frames
	// are timed by the monotonic clock at capture.
	Time float64
	// Image is the frame upright (rotation metadata applied), with
	// Bounds().Min at (0, 0); nil when BGR holds the frame.
	Image *image.RGBA
	// BGR, from a Video set to hand out BGR frames (SetBGR), is the frame
	// as Image would be but with OpenCV's decoded bytes, three a pixel,
	// not converted to RGBA; nil otherwise. Exactly one of Image and BGR
	// is set.
	BGR *bgr.Image
}

// Pixels returns the frame's image: Image or BGR, whichever is set.
func (f Frame) Pixels() image.Image {
	if f.BGR != nil {
		return f.BGR
	}
	return f.Image
}

// Kind says what a source reads from.
type Kind string

// The kinds of source.
const (
	KindVideo  Kind = "video"
	KindCamera Kind = "camera"
	KindImages Kind = "images"
)

// Info describes a source as far as it is known before decoding.
type Info struct {
	// Path is the file or folder read, or "camera:N".
	Path string `json:"path"`
	Kind Kind   `json:"kind"`
	// Container is the file format found by sniffing the file's first
	// bytes ("mp4", "mov", "webm", "matroska", "avi"), "" when unknown.
	Container string `json:"container,omitempty"`
	// Codec is the FourCC OpenCV reports ("avc1", "vp09", ...), "" when
	// unknown.
	Codec string `json:"codec,omitempty"`
	// Width and Height are the upright frame size in pixels.
	Width  int `json:"width"`
	Height int `json:"height"`
	// FPS is the nominal frame rate (0 when unknown).
	FPS float64 `json:"fps"`
	// FrameCount is the number of frames the header announces (the number
	// of images for a folder); -1 when unknown. It can differ from what
	// decodes: edit lists hide samples, and headers of some formats only
	// estimate it. Probe counts the frames that really decode.
	FrameCount int `json:"frame_count"`
	// Duration is FrameCount/FPS in seconds, 0 when either is unknown.
	Duration float64 `json:"duration"`
	// Rotation is how many degrees clockwise the stored frames are turned
	// to make them upright: 0, 90, 180 or 270.
	Rotation int `json:"rotation"`
}

// FrameSource yields frames in order.
type FrameSource interface {
	// Info describes the source.
	Info() Info
	// Next decodes the next frame. It returns io.EOF after the last frame,
	// ctx.Err() when ctx is done, and otherwise an error wrapping the
	// cause. See Frame for who owns the image.
	Next(ctx context.Context) (Frame, error)
	// Close releases the decoder and all OpenCV memory. It is safe to call
	// more than once.
	Close() error
}

// Errors callers can branch on with errors.Is. They are wrapped in a
// *SourceError naming the input.
var (
	// ErrNotFound: the file, folder or camera does not exist.
	ErrNotFound = errors.New("not found")
	// ErrIsDirectory: a folder was given where a video file was expected.
	ErrIsDirectory = errors.New("is a directory, not a video file")
	// ErrNotRegularFile: a device, a named pipe or a socket was given
	// where a video file was expected.
	ErrNotRegularFile = errors.New("not a regular file")
	// ErrEmptyFile: the file has no bytes.
	ErrEmptyFile = errors.New("file is empty")
	// ErrNotVideo: OpenCV's FFmpeg backend cannot read the file as video.
	ErrNotVideo = errors.New("not a video file that FFmpeg can decode")
	// ErrTruncated: the container's structure runs past the end of the
	// file, or far fewer frames decode than its header lists; for a still
	// image, its structure is cut short (a JPEG without its end-of-image
	// marker, a PNG without its IEND chunk).
	ErrTruncated = errors.New("file is truncated or corrupt")
	// ErrNoFrames: the source opened but yielded no frame at all.
	ErrNoFrames = errors.New("no frame could be decoded")
	// ErrNoImages: a folder holds no readable images.
	ErrNoImages = errors.New("no images (.jpg .jpeg .png .bmp .tif .tiff .webp) in folder")
	// ErrBadImage: an image cannot be decoded, or is not a JPEG, PNG,
	// BMP, TIFF or WebP image at all.
	ErrBadImage = errors.New("image cannot be decoded")
	// ErrNoCamera: the camera index cannot be opened.
	ErrNoCamera = errors.New("camera not available")
)

// errClosed is the cause when a closed source is read.
var errClosed = errors.New("source is closed")

// SourceError reports a failure of one input, naming it.
type SourceError struct {
	// Input is the path or "camera:N".
	Input string
	// Err is the cause, often one of the sentinel errors above, possibly
	// wrapped with detail.
	Err error
}

// Error names the input and the cause.
func (e *SourceError) Error() string { return fmt.Sprintf("vision: %s: %v", e.Input, e.Err) }

// Unwrap returns the cause.
func (e *SourceError) Unwrap() error { return e.Err }

func sourceErr(input string, err error) error { return &SourceError{Input: input, Err: err} }
