// Package mp4join joins MP4 files that hold consecutive pieces of one H.264
// video into a single MP4, without re-encoding.
//
// kneescreen encodes its annotated video with two ffmpeg/libx264 processes
// at once, each writing one contiguous half of the frames to its own
// progressive MP4 with the same command line; this package stitches the
// halves together. Joining is a matter of bookkeeping: the sample data of
// the parts is copied byte for byte (with the kernel's file-to-file copy
// when both ends are files) into one mdat, and the parts' sample tables
// (sizes, chunk offsets, sample-to-chunk, decode times, composition
// offsets, sync samples) are concatenated into one track whose index
// (moov) comes before the data, as ffmpeg's -movflags +faststart writes
// it, so that players and browsers can start before the whole file is
// read.
//
// That is only correct when the parts are the same stream cut in pieces:
// one H.264 ('avc1') video track each, the same timescale and the same
// sample description (SPS/PPS, size, colour and aspect boxes). Parts that
// are not so (other tracks, other sizes or encoder settings, fragmented,
// truncated, empty or not MP4 at all) are refused with a PartError naming
// the part, wrapping one of the sentinel errors (ErrMismatch, ErrTruncated
// and so on) for callers that branch on the cause.
//
// Boxes are read and written with github.com/Eyevinn/mp4ff; this package
// adds only the joining, the checks that make it safe, and a bound on the
// entry counts of sample tables before mp4ff allocates for them (see
// checkTableCounts).
package mp4join
