package mp4join

import (
	"bytes"
	"fmt"
	"io"
	"math"
	mbits "math/bits"

	"github.com/Eyevinn/mp4ff/bits"
	"github.com/Eyevinn/mp4ff/mp4"
)

// maxMoov bounds the index read into memory: a moov is read whole, and
// one of 256 MiB would index some tens of millions of samples, far past
// any video this package joins, while a corrupt size field would
// otherwise ask for up to the file's size.
const maxMoov = 256 << 20

// maxDuration bounds a part's duration in its timescale, so that sums
// and conversions of durations stay inside 64 bits: 2^48 ticks is
// centuries at any timescale ffmpeg picks.
const maxDuration = 1 << 48

// part is one input, parsed and checked: its index decoded by mp4ff, its
// samples' data located in the file, and the facts the join needs.
type part struct {
	r    io.ReadSeeker
	ftyp *mp4.FtypBox
	moov *mp4.MoovBox
	stbl *mp4.StblBox
	avc1 *mp4.VisualSampleEntryBox

	mdatStart, mdatLen uint64 // the mdat's payload in the file

	samples   uint32
	sizes     []uint32 // per sample, expanded from a uniform stsz
	offsets   []uint64 // per chunk, in the file
	duration  uint64   // sum of the decode durations, media timescale
	delay     int64    // the edit list's media_time: where presentation starts
	hasEdit   bool     // the part has an edit list
	totalSize uint64   // sum of the sample sizes
}

// readPart parses the part r and checks it is a progressive MP4 with one
// H.264 video track whose tables agree with each other and with the
// file. Errors wrap the package's sentinels.
func readPart(r io.ReadSeeker) (*part, error) {
	fileSize, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("seek: %w", err)
	}
	p := &part{r: r}
	var moovAt uint64
	var moovBody []byte
	var pos uint64
	for pos < uint64(fileSize) {
		if _, err := r.Seek(int64(pos), io.SeekStart); err != nil {
			return nil, fmt.Errorf("seek: %w", err)
		}
		left := uint64(fileSize) - pos
		if left < 8 {
			return nil, failf(ErrTruncated, "%d stray bytes at the end (offset %d)", left, pos)
		}
		hdr, err := mp4.DecodeHeader(r)
		if err != nil {
			if pos == 0 {
				return nil, failf(ErrNotMP4, "no box header at the start: %v", err)
			}
			// ffmpeg leaves the mdat's size 0 ("to the end of the file")
			// until it finishes the file.
			return nil, failf(ErrTruncated, "box at offset %d: %v", pos, err)
		}
		if pos == 0 && hdr.Name != "ftyp" {
			return nil, failf(ErrNotMP4, "starts with %q, not an ftyp box", printable(hdr.Name))
		}
		if hdr.Size < uint64(hdr.Hdrlen) {
			return nil, failf(ErrNotMP4, "box %q at offset %d has size %d", printable(hdr.Name), pos, hdr.Size)
		}
		if hdr.Size > left {
			return nil, failf(ErrTruncated, "box %q at offset %d has %d bytes but the file ends %d bytes on",
				printable(hdr.Name), pos, hdr.Size, left)
		}
		switch hdr.Name {
		case "ftyp":
			if p.ftyp != nil {
				return nil, failf(ErrNotMP4, "second ftyp box at offset %d", pos)
			}
			b, err := decodeBox(r, pos, hdr.Size)
			if err != nil {
				return nil, failf(ErrNotMP4, "ftyp: %v", err)
			}
			p.ftyp = b.(*mp4.FtypBox)
		case "moov":
			if moovBody != nil {
				return nil, failf(ErrUnsupported, "second moov box at offset %d", pos)
			}
			if hdr.Size > maxMoov {
				return nil, failf(ErrUnsupported, "moov of %d bytes (at most %d are read)", hdr.Size, maxMoov)
			}
			moovAt = pos
			if _, err := r.Seek(int64(pos), io.SeekStart); err != nil {
				return nil, fmt.Errorf("seek: %w", err)
			}
			moovBody = make([]byte, hdr.Size)
			if _, err := io.ReadFull(r, moovBody); err != nil {
				return nil, fmt.Errorf("read moov: %w", err)
			}
		case "mdat":
			payload := hdr.Size - uint64(hdr.Hdrlen)
			if payload == 0 {
				break // ffmpeg writes none, but an empty mdat is harmless
			}
			if p.mdatLen != 0 {
				return nil, failf(ErrUnsupported, "second mdat box at offset %d (one is joined)", pos)
			}
			p.mdatStart, p.mdatLen = pos+uint64(hdr.Hdrlen), payload
		case "moof", "mfra", "sidx", "styp", "emsg", "prft":
			return nil, failf(ErrFragmented, "%s box at offset %d", hdr.Name, pos)
		}
		// Other top-level boxes (free, skip, wide, uuid, meta) carry
		// nothing the join needs; they are left behind.
		pos += hdr.Size
	}
	if p.ftyp == nil {
		return nil, failf(ErrNotMP4, "empty file")
	}
	if moovBody == nil {
		return nil, failf(ErrTruncated, "no moov box (the index ffmpeg writes when it finishes)")
	}
	if err := p.decodeMoov(moovAt, moovBody); err != nil {
		return nil, err
	}
	if err := p.checkTrack(); err != nil {
		return nil, err
	}
	if err := p.checkSamples(); err != nil {
		return nil, err
	}
	return p, p.checkTiming()
}

// printable shows a box type that may be arbitrary bytes.
func printable(s string) string {
	for _, c := range []byte(s) {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%x", s)
		}
	}
	return s
}

// decodeBox decodes the size bytes at pos as one box, with mp4ff.
func decodeBox(r io.ReadSeeker, pos, size uint64) (mp4.Box, error) {
	if _, err := r.Seek(int64(pos), io.SeekStart); err != nil {
		return nil, err
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	return decodeSR(pos, buf)
}

// decodeSR decodes buf, one whole box, with mp4ff. mp4ff v0.47.0 still
// panics on some corrupt boxes (an stsc whose entries name different
// sample descriptions indexes a nil slice), so a panic in it is taken as
// the corrupt input it is rather than taking the caller down with it.
func decodeSR(pos uint64, buf []byte) (b mp4.Box, err error) {
	defer func() {
		if v := recover(); v != nil {
			b, err = nil, fmt.Errorf("mp4ff could not decode it: %v", v)
		}
	}()
	sr := bits.NewFixedSliceReader(buf)
	b, err = mp4.DecodeBoxSR(pos, sr)
	if err == nil {
		err = sr.AccError()
	}
	if err == nil && sr.NrRemainingBytes() != 0 {
		err = fmt.Errorf("%d bytes left over after the %s box", sr.NrRemainingBytes(), b.Type())
	}
	return b, err
}

// encodeBox encodes b with mp4ff, taking a panic in it (as for an stsc
// box decoded with sample description 0, which it cannot write back) as
// the error it is.
func encodeBox(b mp4.Box, w io.Writer) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("mp4ff could not encode it: %v", v)
		}
	}()
	return b.Encode(w)
}

// decodeMoov decodes the moov and finds its one video track's parts.
func (p *part) decodeMoov(at uint64, body []byte) error {
	if name, ok := checkTableCounts(body[8:]); !ok {
		return failf(ErrCorrupt, "an %s box announces more entries than it holds", name)
	}
	b, err := decodeSR(at, body)
	if err != nil {
		return failf(ErrCorrupt, "moov: %v", err)
	}
	moov, ok := b.(*mp4.MoovBox)
	if !ok {
		return failf(ErrCorrupt, "moov decoded as %T", b)
	}
	p.moov = moov
	if moov.Mvex != nil {
		return failf(ErrFragmented, "moov has an mvex box")
	}
	if moov.Mvhd == nil {
		return failf(ErrCorrupt, "moov has no mvhd box")
	}
	if len(moov.Traks) == 0 {
		// What ffmpeg writes when it was given no frames.
		return failf(ErrEmpty, "no tracks, so 0 samples")
	}
	if len(moov.Traks) != 1 {
		return failf(ErrUnsupported, "%d tracks; only a file with one video track is joined", len(moov.Traks))
	}
	trak := moov.Trak
	if trak.Tkhd == nil || trak.Mdia == nil || trak.Mdia.Mdhd == nil || trak.Mdia.Hdlr == nil ||
		trak.Mdia.Minf == nil || trak.Mdia.Minf.Stbl == nil {
		return failf(ErrCorrupt, "track lacks one of tkhd, mdhd, hdlr, minf, stbl")
	}
	if h := trak.Mdia.Hdlr.HandlerType; h != "vide" {
		return failf(ErrUnsupported, "the track is %q, not video", printable(h))
	}
	p.stbl = trak.Mdia.Minf.Stbl
	// The joined index is part 1's re-encoded by mp4ff, so what mp4ff
	// decoded must encode back to as many bytes: a corrupt box can decode
	// to one whose size and encoding disagree, which would make the
	// joined index unwritable. (Not byte for byte: mp4ff writes reserved
	// fields as zeros, and ffmpeg's udta hdlr has "appl" in one.)
	var buf bytes.Buffer
	if err := encodeBox(moov, &buf); err != nil {
		return failf(ErrCorrupt, "moov does not encode back: %v", err)
	}
	if buf.Len() != len(body) || uint64(buf.Len()) != moov.Size() {
		return failf(ErrCorrupt, "moov of %d bytes encodes back to %d (mp4ff read it differently)", len(body), buf.Len())
	}
	return nil
}

// checkTrack checks the track's sample description and that its sample
// table holds only boxes the join knows how to concatenate.
func (p *part) checkTrack() error {
	s := p.stbl
	for _, c := range s.Children {
		switch c.(type) {
		case *mp4.StsdBox, *mp4.SttsBox, *mp4.CttsBox, *mp4.StscBox, *mp4.StszBox, *mp4.StssBox,
			*mp4.StcoBox, *mp4.Co64Box:
		default:
			return failf(ErrUnsupported, "the sample table has a %q box, which this join cannot carry over", printable(c.Type()))
		}
	}
	if s.Stsd == nil || s.Stts == nil || s.Stsc == nil || s.Stsz == nil || (s.Stco == nil) == (s.Co64 == nil) {
		return failf(ErrCorrupt, "the sample table lacks one of stsd, stts, stsc, stsz, stco/co64")
	}
	if len(s.Stsd.Children) != 1 {
		return failf(ErrUnsupported, "%d sample descriptions; one is joined", len(s.Stsd.Children))
	}
	avc1, ok := s.Stsd.Children[0].(*mp4.VisualSampleEntryBox)
	if !ok || avc1.Type() != "avc1" || avc1.AvcC == nil {
		return failf(ErrUnsupported, "the video is %q, not H.264 with an avcC ('avc1')", printable(s.Stsd.Children[0].Type()))
	}
	p.avc1 = avc1
	if p.moov.Mvhd.Timescale == 0 || p.moov.Trak.Mdia.Mdhd.Timescale == 0 {
		return failf(ErrCorrupt, "timescale 0")
	}
	return nil
}

// checkSamples checks the sample tables against each other and the
// chunks against the mdat, and expands the sizes and offsets.
func (p *part) checkSamples() error {
	s := p.stbl
	n := s.Stsz.SampleNumber
	if n == 0 {
		return failf(ErrEmpty, "the video track has 0 samples")
	}
	p.samples = n
	if u := s.Stsz.SampleUniformSize; u != 0 {
		// A uniform size lists no sizes, so the count is bounded only by
		// the data the samples need, checked before expanding it.
		if uint64(n)*uint64(u) > p.mdatLen {
			return failf(ErrCorrupt, "%d samples of %d bytes do not fit in the %d-byte mdat", n, u, p.mdatLen)
		}
		p.sizes = make([]uint32, n)
		for i := range p.sizes {
			p.sizes[i] = s.Stsz.SampleUniformSize
		}
	} else {
		p.sizes = s.Stsz.SampleSize
	}
	if uint32(len(p.sizes)) != n {
		return failf(ErrCorrupt, "stsz lists %d sizes for %d samples", len(p.sizes), n)
	}
	var decoded uint64
	for i, c := range s.Stts.SampleCount {
		decoded += uint64(c)
		p.duration += uint64(c) * uint64(s.Stts.SampleTimeDelta[i])
		if decoded > uint64(n) || p.duration > maxDuration {
			break
		}
	}
	if decoded != uint64(n) {
		return failf(ErrCorrupt, "stts times %d samples, stsz has %d", decoded, n)
	}
	if p.duration > maxDuration {
		return failf(ErrCorrupt, "stts adds up to more than %d", uint64(maxDuration))
	}
	if c := s.Ctts; c != nil && c.EndSampleNr[len(c.EndSampleNr)-1] != n {
		return failf(ErrCorrupt, "ctts covers %d samples, stsz has %d", c.EndSampleNr[len(c.EndSampleNr)-1], n)
	}
	if ss := s.Stss; ss != nil {
		var last uint32
		for _, k := range ss.SampleNumber {
			if k <= last || k > n {
				return failf(ErrCorrupt, "stss lists sample %d after %d (of %d)", k, last, n)
			}
			last = k
		}
	}
	if s.Stco != nil {
		p.offsets = make([]uint64, len(s.Stco.ChunkOffset))
		for i, o := range s.Stco.ChunkOffset {
			p.offsets[i] = uint64(o)
		}
	} else {
		p.offsets = s.Co64.ChunkOffset
	}
	return p.checkChunks()
}

// checkChunks walks the chunks as stsc lays them out and checks that they
// cover every sample once and lie inside the mdat, which is what copying
// the mdat whole relies on.
func (p *part) checkChunks() error {
	entries := p.stbl.Stsc.Entries
	chunks := uint32(len(p.offsets))
	if len(entries) == 0 || entries[0].FirstChunk != 1 {
		return failf(ErrCorrupt, "stsc does not start at chunk 1")
	}
	mdatEnd := p.mdatStart + p.mdatLen
	var sample uint32 // 0-based index of the chunk's first sample
	for e, entry := range entries {
		if entry.SamplesPerChunk == 0 || entry.FirstChunk > chunks {
			return failf(ErrCorrupt, "stsc entry %d: %d samples from chunk %d of %d", e+1, entry.SamplesPerChunk, entry.FirstChunk, chunks)
		}
		if id := p.stbl.Stsc.GetSampleDescriptionID(e + 1); id != 1 {
			return failf(ErrCorrupt, "stsc entry %d uses sample description %d of 1", e+1, id)
		}
		end := chunks + 1
		if e+1 < len(entries) {
			end = entries[e+1].FirstChunk
			if end <= entry.FirstChunk {
				return failf(ErrCorrupt, "stsc entry %d starts at chunk %d, not after %d", e+2, end, entry.FirstChunk)
			}
		}
		for c := entry.FirstChunk; c < end; c++ {
			if uint64(sample)+uint64(entry.SamplesPerChunk) > uint64(p.samples) {
				return failf(ErrCorrupt, "chunk %d holds samples past the %d in stsz", c, p.samples)
			}
			var size uint64
			for _, z := range p.sizes[sample : sample+entry.SamplesPerChunk] {
				size += uint64(z)
			}
			if off := p.offsets[c-1]; off < p.mdatStart || off > mdatEnd || size > mdatEnd-off {
				return failf(ErrCorrupt, "chunk %d (%d bytes at offset %d) is not inside the mdat (offsets %d to %d)",
					c, size, off, p.mdatStart, mdatEnd)
			}
			p.totalSize += size
			sample += entry.SamplesPerChunk
		}
	}
	if sample != p.samples {
		return failf(ErrCorrupt, "the chunks hold %d samples, stsz has %d", sample, p.samples)
	}
	return nil
}

// checkTiming reads the edit list and checks that the part presents
// exactly its own span: its first frame (in presentation order) at the
// edit's start and none at or past its end. The join then only has to
// line the parts' spans up end to end.
func (p *part) checkTiming() error {
	var minCT, maxCT int64 = math.MaxInt64, math.MinInt64
	var dt int64
	s := p.stbl
	sample := uint32(0)
	for i, count := range s.Stts.SampleCount {
		delta := int64(s.Stts.SampleTimeDelta[i])
		for range count {
			sample++
			ct := dt
			if s.Ctts != nil {
				ct += int64(s.Ctts.GetCompositionTimeOffset(sample))
			}
			minCT, maxCT = min(minCT, ct), max(maxCT, ct)
			dt += delta
		}
	}
	trak := p.moov.Trak
	if trak.Edts != nil {
		if len(trak.Edts.Elst) != 1 || len(trak.Edts.Elst[0].Entries) != 1 {
			return failf(ErrUnsupported, "edit list of more than one entry (ffmpeg writes one)")
		}
		e := trak.Edts.Elst[0].Entries[0]
		if e.MediaTime < 0 || e.MediaRateInteger != 1 || e.MediaRateFraction != 0 {
			return failf(ErrUnsupported, "edit list entry with media time %d at rate %d.%d (an empty or scaled edit)",
				e.MediaTime, e.MediaRateInteger, e.MediaRateFraction)
		}
		p.delay, p.hasEdit = e.MediaTime, true
		// The edit may round its duration up to the movie timescale
		// (ffmpeg does), but must not cut frames off the end.
		want := movieDuration(p.duration, trak.Mdia.Mdhd.Timescale, p.moov.Mvhd.Timescale)
		if e.SegmentDuration+1 < want || e.SegmentDuration > want+1 {
			return failf(ErrUnsupported, "edit list shows %d of the track's %d (movie timescale %d)",
				e.SegmentDuration, want, p.moov.Mvhd.Timescale)
		}
	}
	if minCT != p.delay {
		return failf(ErrUnsupported, "the first frame is presented at %d but the edit list starts at %d", minCT, p.delay)
	}
	if maxCT-p.delay >= int64(p.duration) {
		return failf(ErrUnsupported, "a frame is presented at %d, past the track's end at %d", maxCT-p.delay, p.duration)
	}
	return nil
}

// movieDuration converts d in the media timescale to the movie's,
// rounding up as ffmpeg does, so that the movie never ends before its
// last frame.
func movieDuration(d uint64, media, movie uint32) uint64 {
	hi, lo := mbits.Mul64(d, uint64(movie))
	if hi >= uint64(media) {
		return math.MaxUint64 // past 64 bits: callers refuse it
	}
	q, rem := mbits.Div64(hi, lo, uint64(media))
	if rem != 0 {
		q++
	}
	return q
}
