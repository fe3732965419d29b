package mp4join

import (
	"io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/Eyevinn/mp4ff/mp4"
)

// BenchmarkJoin joins the halves of a 30-second 640x360 clip at 30
// frames/s (450 frames each, about 0.5 MB with the synthetic frames),
// file to file as the annotated pass does. Run quietly with
//
//	go test ./internal/mp4join -run '^$' -bench Join -benchtime 200x
func BenchmarkJoin(b *testing.B) {
	needX264(b)
	dir := b.TempDir()
	paths := encodeParts(b, enc{w: 640, h: 360, rate: "30:1"}, dir, 450, 450)
	var rs []io.ReadSeeker
	var size int64
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		st, _ := f.Stat()
		size += st.Size()
		rs = append(rs, f)
	}
	out, err := os.Create(filepath.Join(dir, "joined.mp4"))
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	b.SetBytes(size)
	b.ResetTimer()
	for range b.N {
		if _, err := out.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		if err := out.Truncate(0); err != nil {
			b.Fatal(err)
		}
		if err := Join(out, rs...); err != nil {
			b.Fatal(err)
		}
	}
}

// TestLargeJoinUsesCo64 checks the index of a join whose data ends past
// 4 GiB, without writing one: two real parts are made to claim 3 GiB of
// media data each, and the index built for them must switch to 64-bit
// chunk offsets, each part's chunks following the previous part's data,
// and a 64-bit mdat size.
func TestLargeJoinUsesCo64(t *testing.T) {
	needX264(t)
	dir := t.TempDir()
	paths := encodeParts(t, enc{w: 160, h: 90, rate: "30:1"}, dir, 10, 10)
	parts := []*part{parsePart(t, paths[0]), parsePart(t, paths[1])}
	const fake = 3 << 30
	for _, p := range parts {
		p.mdatLen = fake
	}
	ftyp := parts[0].ftyp.Size()
	moov, mdat, err := buildIndex(parts, ftyp)
	if err != nil {
		t.Fatal(err)
	}
	stbl := moov.Trak.Mdia.Minf.Stbl
	if stbl.Co64 == nil || stbl.Stco != nil {
		t.Fatalf("stco %v, co64 %v: want co64 only", stbl.Stco != nil, stbl.Co64 != nil)
	}
	for _, c := range stbl.Children {
		if _, ok := c.(*mp4.StcoBox); ok {
			t.Fatal("stco still among the sample table's boxes")
		}
	}
	if !mdat.LargeSize || mdat.Size() != 16+2*fake {
		t.Errorf("mdat size %d (large %v), want %d with a 64-bit size", mdat.Size(), mdat.LargeSize, 16+2*fake)
	}
	dataStart := ftyp + moov.Size() + 16
	offs := stbl.Co64.ChunkOffset
	n1 := len(parts[0].offsets)
	if offs[0] != dataStart+(parts[0].offsets[0]-parts[0].mdatStart) {
		t.Errorf("first chunk at %d, want %d", offs[0], dataStart)
	}
	if want := dataStart + fake + (parts[1].offsets[0] - parts[1].mdatStart); offs[n1] != want {
		t.Errorf("part 2's first chunk at %d, want %d", offs[n1], want)
	}
	if end := dataStart + 2*fake; end <= math.MaxUint32 {
		t.Fatalf("the test's data ends at %d, inside 32 bits", end)
	}
}
