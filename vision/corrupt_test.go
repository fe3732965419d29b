package vision

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// corruptCase is one damaged file of the corpus.
type corruptCase struct {
	name string
	data []byte
}

// truncations cuts data at the edges that matter (inside the first box
// header, just after it, at a third, a half, one byte short) and at a few
// seeded offsets.
func truncations(label string, data []byte, r *rand.Rand) []corruptCase {
	cuts := []int{1, 7, 8, 9, 16, 64, len(data) / 3, len(data) / 2, len(data) - 1}
	for range 4 {
		cuts = append(cuts, 1+r.IntN(len(data)-1))
	}
	var out []corruptCase
	for _, n := range cuts {
		if n > 0 && n < len(data) {
			out = append(out, corruptCase{fmt.Sprintf("%s cut at %d of %d", label, n, len(data)), data[:n]})
		}
	}
	return out
}

// bitFlips flips 1, 8, 64 and 512 seeded bits, twice each.
func bitFlips(label string, data []byte, r *rand.Rand) []corruptCase {
	var out []corruptCase
	for _, n := range []int{1, 8, 64, 512} {
		for k := range 2 {
			b := bytes.Clone(data)
			for range n {
				i := r.IntN(len(b))
				b[i] ^= 1 << r.IntN(8)
			}
			out = append(out, corruptCase{fmt.Sprintf("%s, %d bits flipped (#%d)", label, n, k), b})
		}
	}
	return out
}

// findBox returns the offset of the first box of type typ inside
// [start, end) of an MP4 file, descending into the containers listed, or
// -1.
func findBox(data []byte, start, end int, typ string) int {
	for off := start; off+8 <= end; {
		size := int(binary.BigEndian.Uint32(data[off:]))
		if size < 8 || off+size > end {
			return -1
		}
		t := string(data[off+4 : off+8])
		if t == typ {
			return off
		}
		switch t {
		case "moov", "trak", "mdia", "minf", "stbl":
			if i := findBox(data, off+8, off+size, typ); i >= 0 {
				return i
			}
		}
		off += size
	}
	return -1
}

// headerLies rewrites fields of an MP4's boxes so they state what is not
// so: sizes beyond the file or too small, a 64-bit size, an index whose
// sample count, sizes, duration or time scale lie.
func headerLies(label string, data []byte) []corruptCase {
	var out []corruptCase
	put32 := func(name string, typ string, at int, v uint32) {
		off := findBox(data, 0, len(data), typ)
		if off < 0 || off+at+4 > len(data) {
			return
		}
		b := bytes.Clone(data)
		binary.BigEndian.PutUint32(b[off+at:], v)
		out = append(out, corruptCase{label + ": " + name, b})
	}
	put32("moov larger than the file", "moov", 0, uint32(len(data)+100))
	put32("moov of 0 bytes (to the end)", "moov", 0, 0)
	put32("moov of 7 bytes", "moov", 0, 7)
	put32("mdat of 1 (64-bit size follows, a lie)", "mdat", 0, 1)
	put32("mdat of 2^32-1 bytes", "mdat", 0, 0xFFFFFFFF)
	put32("ftyp of 9 bytes", "ftyp", 0, 9)
	put32("mvhd time scale 0", "mvhd", 20, 0)
	put32("mvhd duration 2^32-1", "mvhd", 24, 0xFFFFFFFF)
	put32("mdhd time scale 0", "mdhd", 20, 0)
	put32("stsz lists 100000 samples", "stsz", 16, 100000)
	put32("stsz sample size 2^31", "stsz", 12, 1<<31)
	put32("stco offset beyond the file", "stco", 16, uint32(len(data)*4))
	put32("stts delta 0", "stts", 20, 0)
	put32("stsd lists 1000 entries", "stsd", 12, 1000)
	put32("tkhd width 2^31", "tkhd", 84, 1<<31)
	return out
}

// riffLies states wrong sizes in an AVI's RIFF header.
func riffLies(label string, data []byte) []corruptCase {
	var out []corruptCase
	for _, v := range []uint32{0, 4, uint32(len(data) * 2), 0xFFFFFFFF} {
		b := bytes.Clone(data)
		binary.LittleEndian.PutUint32(b[4:], v)
		out = append(out, corruptCase{fmt.Sprintf("%s: RIFF size %d", label, v), b})
	}
	return out
}

// ebmlLies states wrong sizes in a WebM's EBML header and Segment.
func ebmlLies(label string, data []byte) []corruptCase {
	var out []corruptCase
	if i := bytes.Index(data, []byte{0x18, 0x53, 0x80, 0x67}); i > 0 && i+5 < len(data) {
		for _, v := range []byte{0x81, 0xFF, 0x01} { // 1 byte; unknown; an 8-byte size that runs into the data
			b := bytes.Clone(data)
			b[i+4] = v
			out = append(out, corruptCase{fmt.Sprintf("%s: Segment size byte %#x", label, v), b})
		}
	}
	for _, v := range []byte{0x80, 0xFF, 0x01} {
		b := bytes.Clone(data)
		b[4] = v // the EBML header's size
		out = append(out, corruptCase{fmt.Sprintf("%s: EBML header size byte %#x", label, v), b})
	}
	return out
}

// TestCorruptVideoCorpus reads a generated corpus of damaged videos (MP4
// with the index last and first, WebM, AVI: truncated, bits flipped,
// headers that lie) through Probe and through Next with pixel conversion,
// as the pipeline reads them. Each either reads (a flipped bit in the
// picture data may go unnoticed) or fails with one line naming the file
// and a known cause; none panics, crashes or hangs.
func TestCorruptVideoCorpus(t *testing.T) {
	needTool(t, "ffmpeg")
	dir := t.TempDir()
	mp4 := writePatternVideo(t, filepath.Join(dir, "good.mp4"), 40, 160, 120, 25)
	faststart := filepath.Join(dir, "faststart.mp4")
	ffmpeg(t, "-i", mp4, "-c", "copy", "-movflags", "+faststart", faststart)
	webm := filepath.Join(dir, "good.webm")
	ffmpeg(t, "-f", "lavfi", "-i", "testsrc=size=96x64:rate=15", "-frames:v", "20", "-c:v", "libvpx", webm)
	avi := writePatternVideo(t, filepath.Join(dir, "good.avi"), 10, 96, 64, 25)

	r := rand.New(rand.NewPCG(11, 42))
	var corpus []corruptCase
	for _, src := range []struct{ label, path string }{{"mp4", mp4}, {"mp4 faststart", faststart}, {"webm", webm}, {"avi", avi}} {
		data, err := os.ReadFile(src.path)
		if err != nil {
			t.Fatal(err)
		}
		corpus = append(corpus, truncations(src.label, data, r)...)
		corpus = append(corpus, bitFlips(src.label, data, r)...)
		switch src.label {
		case "webm":
			corpus = append(corpus, ebmlLies(src.label, data)...)
		case "avi":
			corpus = append(corpus, riffLies(src.label, data)...)
		default:
			corpus = append(corpus, headerLies(src.label, data)...)
		}
	}
	causes := []error{ErrEmptyFile, ErrNotVideo, ErrTruncated, ErrNoFrames}
	failed := 0
	for i, c := range corpus {
		t.Run(c.name, func(t *testing.T) {
			ext := "." + strings.TrimRight(strings.Fields(c.name)[0], ",:")
			path := filepath.Join(dir, fmt.Sprintf("case-%03d%s", i, ext))
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			refused := false
			defer func() {
				if refused {
					failed++
				}
			}()
			check := func(how string, err error) {
				if err == nil {
					return
				}
				refused = true
				var se *SourceError
				known := false
				for _, c := range causes {
					known = known || errors.Is(err, c)
				}
				if !errors.As(err, &se) || se.Input != path || !known || strings.Contains(err.Error(), "\n") || !strings.HasPrefix(err.Error(), "vision: "+path+": ") {
					t.Errorf("%s: %q: want one line naming the file and a known cause", how, err)
				}
			}
			_, err := Probe(ctx, path)
			check("Probe", err)
			v, err := OpenVideo(path)
			if err != nil {
				check("OpenVideo", err)
				return
			}
			defer v.Close()
			for {
				f, err := v.Next(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					check("Next", err)
					break
				}
				if b := f.Image.Rect; b.Dx() <= 0 || b.Dy() <= 0 || len(f.Image.Pix) < 4*b.Dx()*b.Dy() {
					t.Fatalf("frame %d: image %v with %d bytes", f.Index, b, len(f.Image.Pix))
				}
			}
		})
	}
	t.Logf("%d damaged files, %d refused with a cause, the others read", len(corpus), failed)
}
