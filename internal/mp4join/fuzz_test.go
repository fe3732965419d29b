package mp4join

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"testing"
)

// testdata/tiny.mp4 is four 64x64 frames of ffmpeg's testsrc2 encoded with
// the project's x264 command line (veryfast, CRF 21, one thread, BT.601
// tags, no +faststart): moov after mdat, with ctts, stss and an edit list
// skipping the B-frame delay. It lets the fuzz test run without ffmpeg.
func tinyPart(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/tiny.mp4")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzJoin feeds mutated parts to Join: each must be refused with a
// PartError or give a file Join accepts in turn as a part, and never
// panic nor allocate what the input cannot back. The seeds are the tiny
// part, it cut short, and it with sample-table counts blown up (the
// allocations mp4ff would make for them, see checkTableCounts).
func FuzzJoin(f *testing.F) {
	tiny := tinyPart(f)
	f.Add(tiny)
	f.Add(tiny[:len(tiny)-100])
	f.Add([]byte("ftyp"))
	for _, name := range []string{"stsz", "stts", "ctts", "stco"} {
		b := bytes.Clone(tiny)
		i := bytes.Index(b, []byte(name))
		if i < 0 {
			f.Fatalf("tiny.mp4 has no %s", name)
		}
		// The entry count, after the type and version/flags (stsz's
		// after its uniform size too).
		at := i + 8
		if name == "stsz" {
			at += 4
		}
		binary.BigEndian.PutUint32(b[at:], 0xfffffff0)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parts := range [][]io.ReadSeeker{
			{bytes.NewReader(data)},
			{bytes.NewReader(tiny), bytes.NewReader(data)},
		} {
			var out bytes.Buffer
			err := Join(&out, parts...)
			if err != nil {
				var pe *PartError
				if !asPartError(err, &pe) {
					t.Fatalf("error %v is not a PartError", err)
				}
				continue
			}
			if _, err := readPart(bytes.NewReader(out.Bytes())); err != nil {
				t.Fatalf("joined output does not read back: %v", err)
			}
		}
	})
}

func asPartError(err error, pe **PartError) bool {
	p, ok := err.(*PartError)
	*pe = p
	return ok
}

// TestTableCountsBounded checks the guard against count-led allocations
// directly: each blown-up seed is refused as corrupt, and the untouched
// part passes.
func TestTableCountsBounded(t *testing.T) {
	tiny := tinyPart(t)
	if _, err := readPart(bytes.NewReader(tiny)); err != nil {
		t.Fatalf("tiny.mp4: %v", err)
	}
	for _, name := range []string{"stsz", "stts", "ctts", "stco", "stss", "stsc", "elst"} {
		t.Run(name, func(t *testing.T) {
			b := bytes.Clone(tiny)
			i := bytes.Index(b, []byte(name))
			at := i + 8
			if name == "stsz" {
				at += 4
			}
			binary.BigEndian.PutUint32(b[at:], 0x7ffffff0)
			_, err := readPart(bytes.NewReader(b))
			if err == nil || !bytes.Contains([]byte(err.Error()), []byte(name)) {
				t.Errorf("count 0x7ffffff0 in %s: error %v, want one naming %s", name, err, name)
			}
		})
	}
}
