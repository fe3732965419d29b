package vision

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func box(typ string, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint32(b, uint32(8+len(payload)))
	copy(b[4:], typ)
	return append(b, payload...)
}

func box64(typ string, payload []byte) []byte {
	b := make([]byte, 16, 16+len(payload))
	binary.BigEndian.PutUint32(b, 1)
	copy(b[4:], typ)
	binary.BigEndian.PutUint64(b[8:], uint64(16+len(payload)))
	return append(b, payload...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// ebml builds an EBML element with a 1-byte size (payload < 127 bytes).
func ebml(id []byte, payload []byte) []byte {
	return cat(id, []byte{0x80 | byte(len(payload))}, payload)
}

func TestSniff(t *testing.T) {
	var (
		ftypMP4 = box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2"))
		ftypQT  = box("ftyp", []byte("qt  \x00\x00\x02\x00qt  "))
		moov    = box("moov", make([]byte, 20))
		mdat    = box("mdat", make([]byte, 100))
		webmHdr = ebml([]byte{0x1A, 0x45, 0xDF, 0xA3}, ebml([]byte{0x42, 0x82}, []byte("webm")))
		mkvHdr  = ebml([]byte{0x1A, 0x45, 0xDF, 0xA3}, ebml([]byte{0x42, 0x82}, []byte("matroska")))
		segID   = []byte{0x18, 0x53, 0x80, 0x67}
		avi     = cat([]byte("RIFF"), []byte{20, 0, 0, 0}, []byte("AVI "), make([]byte, 16))
		// mvhd: version, flags, two times, timescale 600, duration 1500.
		mvhd0 = box("mvhd", cat([]byte{0, 0, 0, 0}, make([]byte, 8), []byte{0, 0, 2, 0x58, 0, 0, 5, 0xDC}, make([]byte, 80)))
		mvhd1 = box("mvhd", cat([]byte{1, 0, 0, 0}, make([]byte, 16), []byte{0, 0, 2, 0x58, 0, 0, 0, 0, 0, 0, 5, 0xDC}, make([]byte, 80)))
		// Photos under a name that is no image's (a server's staged upload).
		photo = encodeJPEG(t, 64, 48)
		still = encodePNG(t, 64, 48)
	)
	tests := []struct {
		name       string
		data       []byte
		wantFormat string
		wantErr    string // "" for no error
	}{
		{"mp4", cat(ftypMP4, moov, mdat), "mp4", ""},
		{"mp4 with movie header", cat(ftypMP4, box("moov", cat(box("trak", nil), mvhd0)), mdat), "mp4", ""},
		{"mp4 with 64-bit movie header", cat(ftypMP4, box("moov", mvhd1), mdat), "mp4", ""},
		{"mov brand", cat(ftypQT, mdat, moov), "mov", ""},
		{"mov without ftyp", cat(box("wide", nil), mdat, moov), "mp4", ""},
		{"64-bit box size", cat(ftypMP4, moov, box64("mdat", make([]byte, 40))), "mp4", ""},
		{"size 0 runs to end", cat(ftypMP4, moov, []byte{0, 0, 0, 0, 'm', 'd', 'a', 't'}, make([]byte, 50)), "mp4", ""},
		{"mdat cut short", cat(ftypMP4, moov, mdat)[:100], "mp4", `mp4 box "mdat" at byte 52 needs 108 bytes but only 48 remain`},
		{"no moov", cat(ftypMP4, mdat), "mp4", "no 'moov' index box"},
		{"stray bytes", cat(ftypMP4, moov, []byte{1, 2, 3}), "mp4", "3 stray bytes after the last mp4 box"},
		{"impossible box size", cat(ftypMP4, []byte{0, 0, 0, 4, 'f', 'r', 'e', 'e'}), "mp4", `mp4 box "free" at byte 24 has impossible size 4`},
		{"avi", avi, "avi", ""},
		{"avi cut short", avi[:20], "avi", "avi RIFF chunk needs 28 bytes, file has 20"},
		{"webm", cat(webmHdr, segID, []byte{0x85}, make([]byte, 5)), "webm", ""},
		{"matroska, segment of unknown size", cat(mkvHdr, segID, []byte{0xFF}, make([]byte, 9)), "matroska", ""},
		{"webm cut short", cat(webmHdr, segID, []byte{0x90}, make([]byte, 5)), "webm", "webm Segment needs 33 bytes, file has 22"},
		{"webm header only", webmHdr, "webm", "file ends after the EBML header"},
		{"jpeg photo", photo, "", ""},
		{"jpeg photo without its end", photo[:len(photo)-2], "", "jpeg ends before its end-of-image marker (FF D9)"},
		{"png photo", still, "", ""},
		{"png photo without IEND", still[:len(still)-12], "", "before its IEND chunk"},
		{"text", []byte("hello, world, not a video at all"), "", ""},
		{"tiny", []byte{0x1A}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ci, err := sniff(bytes.NewReader(tt.data), int64(len(tt.data)))
			if ci.format != tt.wantFormat {
				t.Errorf("format %q, want %q", ci.format, tt.wantFormat)
			}
			wantDur := 0.0
			if strings.Contains(tt.name, "movie header") {
				wantDur = 2.5
			}
			if ci.duration != wantDur {
				t.Errorf("duration %v, want %v", ci.duration, wantDur)
			}
			var se *structureError
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tt.wantErr != "" && (!errors.As(err, &se) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("error %v, want a structure error containing %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzSniff checks that arbitrary bytes never panic the container sniffer
// and only ever produce structure errors.
func FuzzSniff(f *testing.F) {
	f.Add(cat(box("ftyp", []byte("isom")), box("moov", nil), box("mdat", []byte{1, 2, 3})))
	f.Add(cat([]byte("RIFF\x04\x00\x00\x00AVI ")))
	f.Add([]byte{0x1A, 0x45, 0xDF, 0xA3, 0x87, 0x42, 0x82, 0x84, 'w', 'e', 'b', 'm', 0x18, 0x53, 0x80, 0x67, 0x01, 0xFF})
	f.Add([]byte{0, 0, 0, 1, 'm', 'd', 'a', 't', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF, 0x00, 0xFF, 0xD9})
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x00IHDR\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := sniff(bytes.NewReader(data), int64(len(data)))
		var se *structureError
		if err != nil && !errors.As(err, &se) {
			t.Errorf("non-structure error from in-memory data: %v", err)
		}
	})
}
