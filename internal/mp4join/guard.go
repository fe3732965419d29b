package mp4join

import "encoding/binary"

// countedBox says where a box type that mp4ff decodes with an allocation
// sized by an entry count keeps that count, and the least number of
// payload bytes each entry takes.
type countedBox struct {
	countAt  int // offset of the 32-bit count within the payload
	minEntry int // bytes an entry takes at least
}

// countedBoxes are the box types mp4ff v0.47.0 allocates for by a count
// read from the box, before it reads the entries (DecodeSttsSR and the
// others make([]T, count)): a few corrupt bytes would make it ask for
// gigabytes. The sample tables are what this package reads; the
// fragment and encryption boxes are never expected in a part but mp4ff
// decodes them wherever they appear in the moov, so they are bounded too
// (at one byte an entry, which bounds their allocation by a small
// multiple of the moov's size).
var countedBoxes = map[uint32]countedBox{
	fourCC("stts"): {4, 8},
	fourCC("ctts"): {4, 8},
	fourCC("stsc"): {4, 12},
	fourCC("stco"): {4, 4},
	fourCC("co64"): {4, 8},
	fourCC("stss"): {4, 4},
	fourCC("stsz"): {8, 4},  // entries only when the uniform size (at 4) is 0
	fourCC("elst"): {4, 12}, // 20 in version 1
	fourCC("trun"): {4, 1},
	fourCC("senc"): {4, 1},
	fourCC("saiz"): {5, 1}, // at 13 when flags&1; checked at both
	fourCC("ssix"): {4, 1},
	fourCC("silb"): {4, 1},
}

func fourCC(s string) uint32 { return binary.BigEndian.Uint32([]byte(s)) }

// checkTableCounts reports the first box in the moov body b whose entry
// count cannot fit in the box's own size, before mp4ff allocates for it.
//
// It looks at every position where such a box could start rather than
// walking the box tree, because mp4ff decodes any box type inside any
// container (a corrupt byte can turn a 'free' in udta into an 'stts'), and
// a walk would have to know every container's layout to be complete. A
// match in the middle of other data is harmless unless its would-be size
// fits and its would-be count does not, which for real files is a
// four-byte coincidence on top of an eight-byte one.
func checkTableCounts(b []byte) (boxType string, ok bool) {
	for i := 0; i+16 <= len(b); i++ {
		cb, found := countedBoxes[binary.BigEndian.Uint32(b[i+4:])]
		if !found {
			continue
		}
		size := uint64(binary.BigEndian.Uint32(b[i:]))
		hdr := uint64(8)
		if size == 1 {
			if i+24 > len(b) {
				continue
			}
			size, hdr = binary.BigEndian.Uint64(b[i+8:]), 16
		}
		name := string(b[i+4 : i+8])
		if size != 0 && size < hdr {
			// mp4ff decodes such a box anyway, reading its count from
			// whatever follows.
			return name, false
		}
		if size == 0 || size > uint64(len(b)-i) {
			continue // not a box mp4ff would decode (it checks the size first)
		}
		payload := b[i+int(hdr) : i+int(size)]
		if !countFits(name, cb, payload) {
			return name, false
		}
	}
	return "", true
}

// countFits says whether the entries a payload's count announces fit in
// the payload.
func countFits(name string, cb countedBox, p []byte) bool {
	at, entry := cb.countAt, uint64(cb.minEntry)
	switch name {
	case "stsz":
		if len(p) >= 12 && binary.BigEndian.Uint32(p[4:]) != 0 {
			return true // uniform size: no per-sample entries
		}
	case "elst":
		if len(p) > 0 && p[0] == 1 {
			entry = 20
		}
	case "saiz":
		if len(p) >= 4 && p[3]&1 != 0 {
			at = 13
		}
	}
	if len(p) < at+4 {
		// Too short to hold its count: mp4ff reads on past the box's
		// end (its reader is the whole moov's), so the count would be
		// whatever follows.
		return false
	}
	count := uint64(binary.BigEndian.Uint32(p[at:]))
	return count*entry <= uint64(len(p)-at-4)
}
