package vision

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// containerInfo is what sniffing a file's structure tells.
type containerInfo struct {
	// format is "mp4", "mov", "webm", "matroska", "avi" or "" (unknown).
	format string
	// duration is the presentation length in seconds the header states
	// (MP4/MOV 'mvhd', which honours edit lists), 0 when unknown.
	duration float64
}

// structureError reports a container whose own structure says it is cut
// short or broken; callers map it to ErrTruncated.
type structureError struct{ msg string }

func (e *structureError) Error() string { return e.msg }

func structErr(format string, args ...any) error {
	return &structureError{msg: fmt.Sprintf(format, args...)}
}

// sniff identifies the container of the size bytes in r and checks that
// its top-level structure fits in the file. It reads a few bytes per
// top-level element and never panics on arbitrary input. OpenCV's FFmpeg
// backend happily decodes the first part of a truncated file and reports a
// normal end, so this check is what tells a cut-off upload from a short
// clip. A JPEG or PNG photo is checked as a still image (sniffStill).
func sniff(r io.ReaderAt, size int64) (containerInfo, error) {
	var head [16]byte
	n, err := r.ReadAt(head[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return containerInfo{}, err
	}
	h := head[:n]
	switch {
	case n >= 12 && string(h[0:4]) == "RIFF" && string(h[8:12]) == "AVI ":
		return sniffAVI(h, size)
	case n >= 4 && binary.BigEndian.Uint32(h) == 0x1A45DFA3:
		return sniffEBML(r, size)
	case n >= 8 && isTopLevelBox(string(h[4:8])):
		return sniffBMFF(r, size)
	case stillFormat(h) == "jpeg" || stillFormat(h) == "png":
		// A photo under another name (a server's staged upload), which
		// FFmpeg would read as one frame however much of it is there.
		return containerInfo{}, sniffStill(r, size, stillFormat(h), h)
	}
	return containerInfo{}, nil
}

func sniffAVI(h []byte, size int64) (containerInfo, error) {
	ci := containerInfo{format: "avi"}
	if need := 8 + int64(binary.LittleEndian.Uint32(h[4:8])); need > size {
		return ci, structErr("avi RIFF chunk needs %d bytes, file has %d", need, size)
	}
	return ci, nil
}

// isTopLevelBox reports whether t is a box type that starts ISO-BMFF
// (MP4/QuickTime) files in practice.
func isTopLevelBox(t string) bool {
	switch t {
	case "ftyp", "moov", "mdat", "wide", "free", "skip", "pnot", "uuid":
		return true
	}
	return false
}

// sniffBMFF walks the top-level boxes of an MP4/QuickTime file.
func sniffBMFF(r io.ReaderAt, size int64) (containerInfo, error) {
	ci := containerInfo{format: "mp4"}
	var hdr [16]byte
	haveMoov := false
	const maxBoxes = 100000 // guards against pathological files of tiny boxes
	off := int64(0)
	for i := 0; off < size && i < maxBoxes; i++ {
		if size-off < 8 {
			return ci, structErr("%d stray bytes after the last mp4 box", size-off)
		}
		n, err := r.ReadAt(hdr[:], off)
		if n < 8 {
			return ci, fmt.Errorf("reading mp4 box at byte %d: %w", off, err)
		}
		boxSize := int64(binary.BigEndian.Uint32(hdr[0:4]))
		typ := string(hdr[4:8])
		headerLen := int64(8)
		switch boxSize {
		case 0: // box runs to the end of the file
			boxSize = size - off
		case 1: // 64-bit size follows the type
			if n < 16 {
				return ci, structErr("mp4 box %q at byte %d is cut off", printable(typ), off)
			}
			u := binary.BigEndian.Uint64(hdr[8:16])
			if u > uint64(1<<62) {
				return ci, structErr("mp4 box %q at byte %d claims %d bytes, file has %d", printable(typ), off, u, size)
			}
			boxSize, headerLen = int64(u), 16
		}
		if boxSize < headerLen {
			return ci, structErr("mp4 box %q at byte %d has impossible size %d", printable(typ), off, boxSize)
		}
		if off+boxSize > size {
			return ci, structErr("mp4 box %q at byte %d needs %d bytes but only %d remain", printable(typ), off, boxSize, size-off)
		}
		switch typ {
		case "ftyp":
			if n >= 12 && string(hdr[8:12]) == "qt  " {
				ci.format = "mov"
			}
		case "moov":
			haveMoov = true
			ci.duration = movieDuration(r, off+headerLen, off+boxSize)
		}
		off += boxSize
	}
	if !haveMoov {
		return ci, structErr("no 'moov' index box (recording never finalised, or file cut short)")
	}
	return ci, nil
}

// movieDuration returns, from the 'moov' box spanning [start, end), how
// long the video is meant to play in seconds (0 unknown): its video
// track's duration from the track header (which, like the movie's,
// honours edit lists), else the movie header's. The movie's is the
// longest track's, and a sound track may outlast the picture by far (a
// voice-over, an editor's export), which is no damage.
func movieDuration(r io.ReaderAt, start, end int64) float64 {
	var timescale, movie uint64
	var video uint64
	eachBox(r, start, end, func(typ string, off, size int64) {
		switch typ {
		case "mvhd":
			timescale, movie = headerDuration(r, off, size, 12, 16)
		case "trak":
			if video > 0 {
				return
			}
			var d uint64
			var vide bool
			eachBox(r, off+8, off+size, func(typ string, off, size int64) {
				switch typ {
				case "tkhd":
					_, d = headerDuration(r, off, size, -1, 20)
				case "mdia":
					eachBox(r, off+8, off+size, func(typ string, off, size int64) {
						if typ != "hdlr" || size < 20 {
							return
						}
						var h [4]byte
						if _, err := r.ReadAt(h[:], off+16); err == nil {
							vide = string(h[:]) == "vide"
						}
					})
				}
			})
			if vide {
				video = d
			}
		}
	})
	if timescale == 0 {
		return 0
	}
	if video > 0 {
		return float64(video) / float64(timescale)
	}
	return float64(movie) / float64(timescale)
}

// eachBox calls f with the type, offset and size of each box in [start,
// end) (at most 1000), stopping at the first that does not fit.
func eachBox(r io.ReaderAt, start, end int64, f func(typ string, off, size int64)) {
	var hdr [8]byte
	for off, i := start, 0; off+8 <= end && i < 1000; i++ {
		if _, err := r.ReadAt(hdr[:], off); err != nil {
			return
		}
		size := int64(binary.BigEndian.Uint32(hdr[0:4]))
		if size < 8 || off+size > end {
			return
		}
		f(string(hdr[4:8]), off, size)
		off += size
	}
}

// headerDuration reads a full box's timescale and duration fields (mvhd,
// tkhd) at their version-0 payload offsets ts and dur (ts < 0: the box has
// no timescale); version 1 widens the two times before them and the
// duration to 64 bits. An unknown duration (all ones) reads as 0.
func headerDuration(r io.ReaderAt, off, size int64, ts, dur int) (timescale, duration uint64) {
	var b [40]byte
	n, _ := r.ReadAt(b[:min(int64(len(b)), size-8)], off+8)
	switch {
	case n >= dur+4 && b[0] == 0:
		if ts >= 0 {
			timescale = uint64(binary.BigEndian.Uint32(b[ts : ts+4]))
		}
		if duration = uint64(binary.BigEndian.Uint32(b[dur : dur+4])); duration == 0xFFFFFFFF {
			duration = 0
		}
	case n >= dur+16 && b[0] == 1:
		if ts >= 0 {
			timescale = uint64(binary.BigEndian.Uint32(b[ts+8 : ts+12]))
		}
		if duration = binary.BigEndian.Uint64(b[dur+8 : dur+16]); duration == 0xFFFFFFFFFFFFFFFF {
			duration = 0
		}
	}
	return timescale, duration
}

// printable keeps a box type readable in an error message.
func printable(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}

// sniffEBML reads the EBML header of a Matroska/WebM file for its DocType,
// then checks that the Segment element fits in the file.
func sniffEBML(r io.ReaderAt, size int64) (containerInfo, error) {
	ci := containerInfo{format: "matroska"}
	buf := make([]byte, 4096)
	n, err := r.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return ci, err
	}
	buf = buf[:n]
	_, idLen, ok := ebmlID(buf)
	if !ok {
		return ci, structErr("bad EBML header")
	}
	hdrSize, sizeLen, ok := ebmlSize(buf[idLen:])
	if !ok || hdrSize < 0 {
		return ci, structErr("bad EBML header size")
	}
	start := int64(idLen + sizeLen)
	end := start + hdrSize
	if end > int64(len(buf)) {
		return ci, structErr("EBML header of %d bytes does not fit the first %d bytes", hdrSize, len(buf))
	}
	// Children of the EBML header: look for DocType (0x4282).
	for p := start; p < end; {
		id, l1, ok1 := ebmlID(buf[p:end])
		sz, l2, ok2 := ebmlSize(buf[p+int64(l1) : end])
		if !ok1 || !ok2 || sz < 0 || p+int64(l1+l2)+sz > end {
			return ci, structErr("bad element in EBML header")
		}
		data := buf[p+int64(l1+l2) : p+int64(l1+l2)+sz]
		if id == 0x4282 && string(trimNUL(data)) == "webm" {
			ci.format = "webm"
		}
		p += int64(l1+l2) + sz
	}
	// The Segment element (0x18538067) follows the EBML header.
	if end == int64(len(buf)) {
		return ci, structErr("file ends after the EBML header")
	}
	id, l1, ok1 := ebmlID(buf[end:])
	sz, l2, ok2 := ebmlSize(buf[end+int64(l1):])
	if !ok1 || !ok2 || id != 0x18538067 {
		return ci, structErr("no Segment after the EBML header")
	}
	if sz >= 0 { // -1: unknown size, as live recorders write; nothing to check
		if need := end + int64(l1+l2) + sz; need > size {
			return ci, structErr("%s Segment needs %d bytes, file has %d", ci.format, need, size)
		}
	}
	return ci, nil
}

// ebmlID decodes an EBML element ID (1-4 bytes, marker bit kept).
func ebmlID(b []byte) (id uint32, n int, ok bool) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0, false
	}
	n = lengthOfVint(b[0])
	if n > 4 || len(b) < n {
		return 0, 0, false
	}
	for _, c := range b[:n] {
		id = id<<8 | uint32(c)
	}
	return id, n, true
}

// ebmlSize decodes an EBML data size (1-8 bytes, marker bit removed). An
// all-ones value means "unknown" and is returned as -1.
func ebmlSize(b []byte) (size int64, n int, ok bool) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0, false
	}
	n = lengthOfVint(b[0])
	if len(b) < n {
		return 0, 0, false
	}
	v := uint64(b[0]) & (0xFF >> n)
	allOnes := v == uint64(0xFF>>n)
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
		allOnes = allOnes && c == 0xFF
	}
	if allOnes {
		return -1, n, true
	}
	if v > 1<<56 {
		return 0, 0, false
	}
	return int64(v), n, true
}

// lengthOfVint returns the byte length announced by an EBML vint's first
// byte (1-8); the caller has checked first != 0.
func lengthOfVint(first byte) int {
	n := 1
	for mask := byte(0x80); first&mask == 0; mask >>= 1 {
		n++
	}
	return n
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}
