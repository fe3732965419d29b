package screening

import "errors"

// ErrInvalidOptions is wrapped by every error about bad Options (unknown
// enum value, threshold out of range, bad filter setting).
var ErrInvalidOptions = errors.New("invalid options")

// ErrNilTrack is returned when Analyze is given no track at all. An empty
// track (no poses) is not an error: it yields a report whose quality says
// so.
var ErrNilTrack = errors.New("screening: nil track")
