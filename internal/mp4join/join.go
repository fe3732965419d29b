package mp4join

import (
	"bytes"
	"fmt"
	"io"
	"math"
	mbits "math/bits"
	"os"

	"github.com/Eyevinn/mp4ff/mp4"

	"github.com/kneescreen/kneescreen/internal/atomicfile"
)

// Join writes to dst one progressive MP4 holding the video samples of
// parts, in order, as one track: part 2's first frame follows part 1's
// last with no gap, and so on. The parts are progressive MP4s from
// ffmpeg's mp4 muxer, each one H.264 ('avc1') video track, with the same
// timescale and sample description; anything else is refused with a
// *PartError before anything is written to dst.
//
// The output is ftyp (part 1's brands), moov, mdat: the index first, as
// -movflags +faststart writes it. The samples are copied byte for byte and
// streamed, not held in memory; when dst is an *os.File and the parts are
// *os.File the kernel copies them (copy_file_range). An error while
// copying leaves dst partly written: write to a temporary file and
// publish it on success, as JoinFiles does.
//
// Parts are io.ReadSeekers rather than paths so callers can join what
// they already hold open (or in memory, as the tests' fuzzing does);
// JoinFiles is the path version.
func Join(dst io.Writer, parts ...io.ReadSeeker) error {
	return join(dst, parts, nil)
}

// JoinFiles joins the MP4 files at parts (see Join) into the file dst,
// written atomically: dst is replaced only by a complete, synced join, and
// left as it was on any error.
func JoinFiles(dst string, parts ...string) (err error) {
	if len(parts) == 0 {
		return ErrNoParts
	}
	rs := make([]io.ReadSeeker, len(parts))
	for i, name := range parts {
		f, err := os.Open(name)
		if err != nil {
			return &PartError{Part: i + 1, Name: name, Err: err}
		}
		defer f.Close()
		rs[i] = f
	}
	out, err := atomicfile.Create(dst, 0o644)
	if err != nil {
		return fmt.Errorf("mp4join: %w", err)
	}
	defer out.Abort() // harmless after Commit
	if err := join(out.File, rs, parts); err != nil {
		return err
	}
	if err := out.Commit(); err != nil {
		return fmt.Errorf("mp4join: %w", err)
	}
	return nil
}

// join is Join, with the parts' file names for errors when known.
func join(dst io.Writer, rs []io.ReadSeeker, names []string) error {
	if len(rs) == 0 {
		return ErrNoParts
	}
	partErr := func(i int, err error) error {
		pe := &PartError{Part: i + 1, Err: err}
		if names != nil {
			pe.Name = names[i]
		}
		return pe
	}
	parts := make([]*part, len(rs))
	for i, r := range rs {
		p, err := readPart(r)
		if err != nil {
			return partErr(i, err)
		}
		if i > 0 {
			if err := sameStream(parts[0], p); err != nil {
				return partErr(i, err)
			}
		}
		parts[i] = p
	}
	moov, mdat, err := buildIndex(parts, parts[0].ftyp.Size())
	if err != nil {
		return err
	}
	// The index is encoded whole before anything is written, so a part
	// whose boxes mp4ff cannot write back leaves dst untouched; it is a
	// few kilobytes (12 bytes a sample at most).
	var index bytes.Buffer
	for _, b := range []mp4.Box{parts[0].ftyp, moov, mdat} {
		if err := encodeBox(b, &index); err != nil {
			return partErr(0, failf(ErrCorrupt, "its %s box cannot be written back: %v", b.Type(), err))
		}
	}
	if _, err := dst.Write(index.Bytes()); err != nil {
		return fmt.Errorf("mp4join: write: %w", err)
	}
	// The samples are copied straight to dst, where an *os.File copies
	// file to file in the kernel.
	for i, p := range parts {
		if _, err := p.r.Seek(int64(p.mdatStart), io.SeekStart); err != nil {
			return partErr(i, fmt.Errorf("seek: %w", err))
		}
		if _, err := io.CopyN(dst, p.r, int64(p.mdatLen)); err != nil {
			return partErr(i, fmt.Errorf("copy samples: %w", err))
		}
	}
	return nil
}

// sameStream says how p differs from first in what decoding and timing
// its samples depend on, or nil: the media timescale (sample times are
// in it) and the sample description (size, SPS/PPS, colour and aspect
// boxes), compared as mp4ff encodes them, except the btrt box's bit
// rates, which describe each part's own content and are recomputed for
// the join.
func sameStream(first, p *part) error {
	if a, b := first.moov.Trak.Mdia.Mdhd.Timescale, p.moov.Trak.Mdia.Mdhd.Timescale; a != b {
		return failf(ErrMismatch, "media timescale %d, part 1 has %d", b, a)
	}
	if a, b := first.moov.Mvhd.Timescale, p.moov.Mvhd.Timescale; a != b {
		return failf(ErrMismatch, "movie timescale %d, part 1 has %d", b, a)
	}
	a, b := first.avc1, p.avc1
	if a.Width != b.Width || a.Height != b.Height {
		return failf(ErrMismatch, "frame size %dx%d, part 1 has %dx%d", b.Width, b.Height, a.Width, a.Height)
	}
	if !bytes.Equal(encoded(a.AvcC), encoded(b.AvcC)) {
		return failf(ErrMismatch, "H.264 parameter sets (avcC: SPS/PPS, profile, level) differ; encoder settings differ")
	}
	ac, bc := entryChildren(a), entryChildren(b)
	for _, c := range bc {
		if _, ok := ac[c.name]; !ok {
			return failf(ErrMismatch, "sample entry has a %q box part 1 lacks", printable(c.name))
		}
	}
	for name, c := range ac {
		d, ok := bc[name]
		if !ok {
			return failf(ErrMismatch, "sample entry lacks part 1's %q box", printable(name))
		}
		if !bytes.Equal(c.bytes, d.bytes) {
			return failf(ErrMismatch, "sample entry's %q box differs", printable(name))
		}
	}
	// What is left: the entry's own fields (resolution, compressor
	// name, depth).
	if !bytes.Equal(entryFields(a), entryFields(b)) {
		return failf(ErrMismatch, "sample entry (%q) differs", b.CompressorName)
	}
	return nil
}

// child is one box in a sample entry, encoded.
type child struct {
	name  string
	bytes []byte
}

// entryChildren encodes the boxes in a sample entry by type, with btrt's
// bit rates left out (see sameStream). A type that occurs twice is keyed
// by its position too.
func entryChildren(e *mp4.VisualSampleEntryBox) map[string]child {
	m := make(map[string]child, len(e.Children))
	for i, c := range e.Children {
		name := c.Type()
		if _, dup := m[name]; dup {
			name = fmt.Sprintf("%s#%d", name, i)
		}
		if b, ok := c.(*mp4.BtrtBox); ok {
			c = &mp4.BtrtBox{BufferSizeDB: b.BufferSizeDB}
		}
		m[name] = child{name: name, bytes: encoded(c)}
	}
	return m
}

// entryFields encodes the sample entry without its children.
func entryFields(e *mp4.VisualSampleEntryBox) []byte {
	bare := *e
	bare.Children = nil
	return encoded(&bare)
}

// encoded is b as mp4ff writes it: the canonical form to compare.
func encoded(b mp4.Box) []byte {
	var buf bytes.Buffer
	if err := b.Encode(&buf); err != nil {
		// An in-memory encode fails only on a box mp4ff cannot write,
		// which then differs from anything.
		return []byte(err.Error())
	}
	return buf.Bytes()
}

// buildIndex makes the joined moov, reusing part 1's (its track header,
// handler, sample description, user data) with the sample tables
// replaced by the parts' concatenated, and the mdat header for the
// parts' data; ftypSize is the size of what precedes the moov.
func buildIndex(parts []*part, ftypSize uint64) (*mp4.MoovBox, *mp4.MdatBox, error) {
	first := parts[0]
	moov := first.moov
	trak := moov.Trak
	mediaScale, movieScale := trak.Mdia.Mdhd.Timescale, moov.Mvhd.Timescale

	// Each part presents its frames from its edit list's media time
	// (the decode delay B-frames need, which x264 gives a one-frame part
	// as 0 and a longer one as 2 frames). One track has one edit list,
	// so every part's composition offsets are raised to the largest
	// delay: a part then presents its frames exactly as alone, starting
	// where the previous part ends. Raising keeps the offsets
	// non-negative, as version 0 of ctts needs.
	var delay int64
	var samples, chunks uint64
	var duration, payload uint64
	hasEdit := false
	for _, p := range parts {
		delay = max(delay, p.delay)
		hasEdit = hasEdit || p.hasEdit
		samples += uint64(p.samples)
		chunks += uint64(len(p.offsets))
		duration += p.duration
		payload += p.mdatLen
	}
	if samples > math.MaxUint32 || chunks > math.MaxUint32 {
		return nil, nil, fmt.Errorf("mp4join: %d samples in %d chunks: more than one MP4 track can index", samples, chunks)
	}
	if duration > maxDuration {
		return nil, nil, fmt.Errorf("mp4join: joined duration %d (timescale %d) is too long", duration, mediaScale)
	}

	stts := &mp4.SttsBox{}
	ctts := &mp4.CttsBox{}
	stsc := &mp4.StscBox{}
	stsz := &mp4.StszBox{SampleNumber: uint32(samples), SampleSize: make([]uint32, 0, samples)}
	var stss *mp4.StssBox
	for _, p := range parts {
		if p.stbl.Stss != nil {
			stss = &mp4.StssBox{}
		}
	}
	needCtts := false
	var sampleBase, chunkBase uint32
	for _, p := range parts {
		s := p.stbl
		for i, c := range s.Stts.SampleCount {
			appendRun(&stts.SampleCount, &stts.SampleTimeDelta, c, s.Stts.SampleTimeDelta[i])
		}
		shift := int32(delay - p.delay)
		if s.Ctts != nil {
			for i, off := range s.Ctts.SampleOffset {
				needCtts = needCtts || off+shift != 0
				appendCtts(ctts, s.Ctts.SampleCount(i), off+shift)
			}
		} else {
			needCtts = needCtts || shift != 0
			appendCtts(ctts, p.samples, shift)
		}
		for _, e := range s.Stsc.Entries {
			if n := len(stsc.Entries); n > 0 && stsc.Entries[n-1].SamplesPerChunk == e.SamplesPerChunk {
				continue // the previous entry's run goes on
			}
			if err := stsc.AddEntry(e.FirstChunk+chunkBase, e.SamplesPerChunk, 1); err != nil {
				return nil, nil, fmt.Errorf("mp4join: stsc: %w", err)
			}
		}
		stsz.SampleSize = append(stsz.SampleSize, p.sizes...)
		if stss != nil {
			if s.Stss != nil {
				for _, k := range s.Stss.SampleNumber {
					stss.SampleNumber = append(stss.SampleNumber, k+sampleBase)
				}
			} else { // no stss: every sample is a sync sample
				for k := range p.samples {
					stss.SampleNumber = append(stss.SampleNumber, k+1+sampleBase)
				}
			}
		}
		sampleBase += p.samples
		chunkBase += uint32(len(p.offsets))
	}

	// ffmpeg's order of the sample table boxes.
	stbl := mp4.NewStblBox()
	stbl.AddChild(first.stbl.Stsd)
	stbl.AddChild(stts)
	if stss != nil {
		stbl.AddChild(stss)
	}
	if needCtts {
		stbl.AddChild(ctts)
	}
	for _, off := range ctts.SampleOffset {
		if off < 0 { // only version 1 has signed offsets
			ctts.Version = 1
		}
	}
	stbl.AddChild(stsc)
	stbl.AddChild(stsz)
	stco := &mp4.StcoBox{ChunkOffset: make([]uint32, chunks)}
	stbl.AddChild(stco)
	minf := trak.Mdia.Minf
	replaceChild(&minf.Children, minf.Stbl, stbl)
	minf.Stbl = stbl

	if b := first.avc1.Btrt; b != nil {
		// ffmpeg writes the average over the track, and as maximum the
		// larger of that and a configured cap (VBV; none with CRF alone,
		// so the two are equal). A part's maximum above its own average
		// is such a cap and is kept; one equal to it is only that part's
		// average, which for a short part can be far above the whole's.
		avg := payloadRate(parts, duration, mediaScale)
		top := avg
		for _, p := range parts {
			if pb := p.avc1.Btrt; pb.MaxBitrate > pb.AvgBitrate {
				top = max(top, pb.MaxBitrate)
			}
		}
		b.AvgBitrate, b.MaxBitrate = avg, top
	}

	movieDur := movieDuration(duration, mediaScale, movieScale)
	if movieDur > maxDuration {
		return nil, nil, fmt.Errorf("mp4join: joined duration %d (timescale %d) is too long", movieDur, movieScale)
	}
	setDurations(moov, duration, movieDur)
	if hasEdit || delay != 0 {
		setEdit(trak, movieDur, delay)
	}

	mdat := &mp4.MdatBox{}
	mdat.SetLazyDataSize(payload)
	// The chunks' new offsets: each part's mdat follows the previous one
	// whole, after the index. stco holds 32-bit offsets; a join whose
	// data ends past 4 GiB needs co64, which makes the moov larger.
	dataStart := ftypSize + moov.Size() + (mdat.Size() - payload)
	if dataStart+payload > math.MaxUint32 {
		co64 := &mp4.Co64Box{ChunkOffset: make([]uint64, chunks)}
		replaceChild(&stbl.Children, stco, co64)
		stbl.Stco, stbl.Co64 = nil, co64
		dataStart = ftypSize + moov.Size() + (mdat.Size() - payload)
		fillOffsets(parts, dataStart, co64.ChunkOffset)
	} else {
		offs := make([]uint64, chunks)
		fillOffsets(parts, dataStart, offs)
		for i, o := range offs {
			stco.ChunkOffset[i] = uint32(o)
		}
	}
	return moov, mdat, nil
}

// fillOffsets writes the chunks' offsets in the joined file, whose
// parts' mdat payloads follow one another from dataStart.
func fillOffsets(parts []*part, dataStart uint64, out []uint64) {
	base, i := dataStart, 0
	for _, p := range parts {
		for _, o := range p.offsets {
			out[i] = base + (o - p.mdatStart)
			i++
		}
		base += p.mdatLen
	}
}

// payloadRate is the joined track's average bit rate as ffmpeg computes
// it (compute_avg_bitrate): its sample bytes times 8 times the timescale
// over its duration, in integers, saturating at 32 bits.
func payloadRate(parts []*part, duration uint64, timescale uint32) uint32 {
	var bytes uint64
	for _, p := range parts {
		bytes += p.totalSize
	}
	// bytes*8 fits: the parts' mdats are in files.
	hi, lo := mbits.Mul64(bytes*8, uint64(timescale))
	if duration == 0 || hi >= duration {
		return math.MaxUint32
	}
	q, _ := mbits.Div64(hi, lo, duration)
	return uint32(min(q, math.MaxUint32))
}

// setDurations sets the movie's, the track's and the media's durations,
// moving a header to its 64-bit version when a duration needs it.
func setDurations(moov *mp4.MoovBox, media, movie uint64) {
	moov.Mvhd.Duration = movie
	moov.Trak.Tkhd.Duration = movie
	moov.Trak.Mdia.Mdhd.Duration = media
	if movie > math.MaxUint32 {
		moov.Mvhd.Version, moov.Trak.Tkhd.Version = 1, 1
	}
	if media > math.MaxUint32 {
		moov.Trak.Mdia.Mdhd.Version = 1
	}
}

// setEdit gives the track one edit: its whole duration (movie timescale)
// presented from media time delay, creating the edit list if part 1 had
// none.
func setEdit(trak *mp4.TrakBox, duration uint64, delay int64) {
	elst := &mp4.ElstBox{Entries: []mp4.ElstEntry{{
		SegmentDuration: duration, MediaTime: delay, MediaRateInteger: 1}}}
	if duration > math.MaxUint32 || delay > math.MaxInt32 {
		elst.Version = 1
	}
	edts := &mp4.EdtsBox{Elst: []*mp4.ElstBox{elst}, Children: []mp4.Box{elst}}
	if trak.Edts != nil {
		replaceChild(&trak.Children, trak.Edts, edts)
	} else {
		// After tkhd, where ffmpeg puts it.
		children := make([]mp4.Box, 0, len(trak.Children)+1)
		for _, c := range trak.Children {
			children = append(children, c)
			if c == trak.Tkhd {
				children = append(children, edts)
			}
		}
		trak.Children = children
	}
	trak.Edts = edts
}

// replaceChild replaces old with new in children.
func replaceChild(children *[]mp4.Box, old, new mp4.Box) {
	for i, c := range *children {
		if c == old {
			(*children)[i] = new
			return
		}
	}
}

// appendRun appends count samples of value v to a run-length table,
// extending the last run when it has the same value.
func appendRun(counts, values *[]uint32, count, v uint32) {
	if n := len(*counts); n > 0 && (*values)[n-1] == v {
		(*counts)[n-1] += count
		return
	}
	*counts = append(*counts, count)
	*values = append(*values, v)
}

// appendCtts appends count samples of composition offset off to c,
// extending its last run when it has the same offset.
func appendCtts(c *mp4.CttsBox, count uint32, off int32) {
	if count == 0 {
		return
	}
	if n := len(c.SampleOffset); n > 0 && c.SampleOffset[n-1] == off {
		c.EndSampleNr[n] += count
		return
	}
	if len(c.EndSampleNr) == 0 {
		c.EndSampleNr = append(c.EndSampleNr, 0)
	}
	c.EndSampleNr = append(c.EndSampleNr, c.EndSampleNr[len(c.EndSampleNr)-1]+count)
	c.SampleOffset = append(c.SampleOffset, off)
}
