package mp4join

import (
	"errors"
	"fmt"
)

// Sentinel errors, wrapped in a PartError naming the part (except
// ErrNoParts), for callers to test with errors.Is.
var (
	// ErrNoParts is returned when Join is given nothing to join.
	ErrNoParts = errors.New("mp4join: no parts to join")
	// ErrNotMP4 marks a part that is not an MP4 file at all (no ftyp box
	// first, or box headers that do not parse).
	ErrNotMP4 = errors.New("not an MP4 file")
	// ErrTruncated marks a part that ends early: a box runs past the end of
	// the file, or the index (moov) is missing, as when ffmpeg was stopped
	// before it finished the file.
	ErrTruncated = errors.New("truncated or unfinished MP4")
	// ErrFragmented marks a fragmented MP4 (moof boxes), whose samples are
	// indexed per fragment; only progressive files are joined.
	ErrFragmented = errors.New("fragmented MP4 (only progressive MP4s are joined)")
	// ErrUnsupported marks a well-formed MP4 this package does not join:
	// other than exactly one H.264 ('avc1') video track, sample table boxes
	// it cannot carry across, or an edit list other than the single
	// B-frame-delay entry ffmpeg writes.
	ErrUnsupported = errors.New("unsupported MP4 layout")
	// ErrEmpty marks a part with no video samples.
	ErrEmpty = errors.New("no video samples")
	// ErrCorrupt marks a part whose sample tables contradict each other or
	// point outside its media data.
	ErrCorrupt = errors.New("inconsistent sample tables")
	// ErrMismatch marks a part whose timescale or sample description
	// (size, SPS/PPS, colour, aspect) differs from the first part's:
	// decoding its samples with the first part's description would be
	// wrong, so it is not the same stream.
	ErrMismatch = errors.New("differs from part 1")
)

// PartError is an error about one of the parts given to Join or
// JoinFiles. Its message is one line: the part's number (1-based), its
// file name if known, and what is wrong with it.
type PartError struct {
	Part int    // 1-based position among the parts
	Name string // file name, when the part came from JoinFiles
	Err  error  // wraps one of the sentinel errors above
}

func (e *PartError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("mp4join: part %d (%s): %v", e.Part, e.Name, e.Err)
	}
	return fmt.Sprintf("mp4join: part %d: %v", e.Part, e.Err)
}

func (e *PartError) Unwrap() error { return e.Err }

// failf wraps a sentinel with details, for a PartError's Err.
func failf(sentinel error, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)
}
