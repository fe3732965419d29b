package vision

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"
)

// encodeJPEG and encodePNG encode a test pattern with Go's encoders.
func encodeJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, patternFrame(w, h, 1), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, patternFrame(w, h, 2)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodeCV encodes a test pattern with OpenCV's encoder for ext (".bmp",
// ".tif", ".webp", and ".jpg" with params Go's encoder lacks), the formats
// and features Go's standard library does not write.
func encodeCV(t *testing.T, ext string, w, h int, params ...int) []byte {
	t.Helper()
	m, err := gocv.ImageToMatRGB(patternFrame(w, h, 3))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var buf *gocv.NativeByteBuffer
	if len(params) == 0 { // IMEncodeWithParams indexes params[0]
		buf, err = gocv.IMEncode(gocv.FileExt(ext), m)
	} else {
		buf, err = gocv.IMEncodeWithParams(gocv.FileExt(ext), m, params)
	}
	if err != nil {
		t.Fatalf("OpenCV cannot encode %s: %v", ext, err)
	}
	defer buf.Close()
	return bytes.Clone(buf.GetBytes())
}

func cat2(a, b []byte) []byte { return append(bytes.Clone(a), b...) }

// TestImagesRefuseDamagedImages: a folder holding one damaged image among
// good ones fails OpenImages, before anything is decoded, with the
// sentinel callers branch on and a message naming that image and what is
// wrong; the same image given alone (read as a one-frame video) fails the
// same way. Undamaged images, trailing bytes after a JPEG's end or a PNG's
// IEND included, open and decode.
func TestImagesRefuseDamagedImages(t *testing.T) {
	jpg := encodeJPEG(t, 160, 120)
	pngb := encodePNG(t, 160, 120)
	bmp := encodeCV(t, ".bmp", 160, 120)
	// Progressive: several scans with tables between them; restart
	// markers: FF D0-D7 inside the image data.
	progressive := encodeCV(t, ".jpg", 160, 120, gocv.IMWriteJpegProgressive, 1)
	restarts := encodeCV(t, ".jpg", 160, 120, gocv.IMWriteJpegRstInterval, 2)
	trailer := bytes.Repeat([]byte{0xAB, 0xFF, 0x00}, 3000) // no FF D9, longer than jpegTail
	tif := encodeCV(t, ".tif", 160, 120)
	webp := encodeCV(t, ".webp", 160, 120)
	if string(pngb[12:16]) != "IHDR" || string(pngb[37:41]) != "IDAT" || string(pngb[len(pngb)-8:len(pngb)-4]) != "IEND" {
		t.Fatal("Go's PNG encoder no longer writes IHDR, one IDAT at byte 33, IEND: the cases below assume it")
	}
	longIDAT := bytes.Clone(pngb) // IDAT's length says more than the file holds; IEND still at the end
	binary.BigEndian.PutUint32(longIDAT[33:37], uint32(len(pngb)))
	tests := []struct {
		name string
		file string
		data []byte
		want error  // nil: accepted
		msg  string // in the error
	}{
		{"jpeg", "b.jpg", jpg, nil, ""},
		{"jpeg with padding after its end, as cameras write", "b.jpg", cat2(jpg, make([]byte, 300)), nil, ""},
		{"jpeg with a trailer longer than the tail searched", "b.JPEG", cat2(jpg, trailer), nil, ""},
		{"progressive jpeg with a long trailer", "b.jpg", cat2(progressive, trailer), nil, ""},
		{"progressive jpeg cut at two thirds", "b.jpg", progressive[:len(progressive)*2/3], ErrTruncated, "jpeg ends before its end-of-image marker (FF D9)"},
		{"jpeg with restart markers and a long trailer", "b.jpg", cat2(restarts, trailer), nil, ""},
		{"jpeg with restart markers cut at two thirds", "b.jpg", restarts[:len(restarts)*2/3], ErrTruncated, "jpeg ends before its end-of-image marker (FF D9)"},
		{"jpeg cut at two thirds", "b.jpg", jpg[:len(jpg)*2/3], ErrTruncated, "jpeg ends before its end-of-image marker (FF D9)"},
		{"jpeg without its end-of-image marker", "b.jpg", jpg[:len(jpg)-2], ErrTruncated, "jpeg ends before its end-of-image marker (FF D9)"},
		{"jpeg cut in its headers", "b.jpg", jpg[:100], ErrTruncated, "jpeg segment FF DB at byte 2 needs 134 bytes but only 98 remain"},
		{"jpeg cut right after its scan header", "b.jpg", jpg[:jpegDataStart(t, jpg)], ErrTruncated, "jpeg ends before its end-of-image marker"},
		{"png", "b.png", pngb, nil, ""},
		{"png with bytes after IEND", "b.png", cat2(pngb, []byte("trailing")), nil, ""},
		{"png named .jpg", "b.jpg", pngb, nil, ""},
		{"png cut at two thirds", "b.png", pngb[:len(pngb)*2/3], ErrTruncated, `png chunk "IDAT" at byte 33 needs`},
		{"png without IEND", "b.png", pngb[:len(pngb)-12], ErrTruncated, "before its IEND chunk"},
		{"png whose chunk runs past the end", "b.png", longIDAT, ErrTruncated, `png chunk "IDAT" at byte 33 needs`},
		{"bmp", "b.bmp", bmp, nil, ""},
		{"bmp cut short", "b.bmp", bmp[:len(bmp)-500], ErrTruncated, "bmp pixel rows need"},
		{"tiff", "b.tif", tif, nil, ""},
		{"tiff cut short", "b.tiff", tif[:len(tif)/2], ErrTruncated, "tiff image directory at byte"},
		{"webp", "b.webp", webp, nil, ""},
		{"webp cut short", "b.webp", webp[:len(webp)-10], ErrTruncated, "webp RIFF chunk needs"},
		{"empty", "b.jpg", nil, ErrEmptyFile, "file is empty"},
		{"text named .jpg", "b.jpg", []byte("this is not a picture\n"), ErrBadImage, "not a JPEG, PNG, BMP, TIFF or WebP image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writePNG(t, filepath.Join(dir, "a.png"), patternFrame(160, 120, 0))
			writePNG(t, filepath.Join(dir, "c.png"), patternFrame(160, 120, 2))
			path := filepath.Join(dir, tt.file)
			if err := os.WriteFile(path, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := OpenImages(dir, 10)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("OpenImages: %v", err)
				}
				defer src.Close()
				for i := range 3 {
					if f, err := src.Next(context.Background()); err != nil || f.Image.Rect.Size() != (image.Point{160, 120}) {
						t.Fatalf("image %d: %v", i, err)
					}
				}
				return
			}
			if err == nil {
				src.Close()
				t.Fatalf("OpenImages accepted the folder, want %v", tt.want)
			}
			var se *SourceError
			if !errors.Is(err, tt.want) || !errors.As(err, &se) || se.Input != path || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("OpenImages: %v; want %v naming %s and saying %q", err, tt.want, path, tt.msg)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error runs over several lines: %q", err)
			}
			// The same file alone, as `kneescreen analyze photo.jpg` gives it.
			if v, err := OpenVideo(path); !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) {
				if err == nil {
					v.Close()
				}
				t.Errorf("OpenVideo: %v; want %v saying %q", err, tt.want, tt.msg)
			}
		})
	}
}

// jpegDataStart returns where the entropy-coded data of jpg's first scan
// starts.
func jpegDataStart(t *testing.T, jpg []byte) int {
	t.Helper()
	off, err := jpegHeaders(bytes.NewReader(jpg), int64(len(jpg)))
	if err != nil {
		t.Fatal(err)
	}
	if off <= 2 || off >= int64(len(jpg)) || !bytes.Equal(jpg[off-14:off-12], []byte{0xFF, 0xDA}) {
		t.Fatalf("first scan's data at %d: not just after a 12-byte SOS segment", off)
	}
	return int(off)
}

// TestImagesDecodeAsOpenCVDoes: the check leaves a good folder's frames
// exactly what OpenCV decodes from each file, for every format read.
func TestImagesDecodeAsOpenCVDoes(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"1.jpg":  cat2(encodeJPEG(t, 96, 64), make([]byte, 64)),
		"2.png":  encodePNG(t, 96, 64),
		"3.bmp":  encodeCV(t, ".bmp", 96, 64),
		"4.tif":  encodeCV(t, ".tif", 96, 64),
		"5.webp": encodeCV(t, ".webp", 96, 64),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := OpenImages(dir, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, name := range []string{"1.jpg", "2.png", "3.bmp", "4.tif", "5.webp"} {
		f, err := src.Next(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m := gocv.IMRead(filepath.Join(dir, name), gocv.IMReadColor)
		img, err := m.ToImage()
		m.Close()
		if err != nil {
			t.Fatal(err)
		}
		b := img.Bounds()
		if f.Image.Rect.Size() != b.Size() {
			t.Fatalf("%s: size %v, OpenCV's %v", name, f.Image.Rect.Size(), b.Size())
		}
		diff := 0
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				r1, g1, b1, _ := f.Image.At(x, y).RGBA()
				r2, g2, b2, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				if r1 != r2 || g1 != g2 || b1 != b2 {
					diff++
				}
			}
		}
		if diff > 0 {
			t.Errorf("%s: %d pixels differ from OpenCV's own decoding", name, diff)
		}
	}
	if _, err := src.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Errorf("after five images: %v, want io.EOF", err)
	}
}

// FuzzCheckStill checks that arbitrary bytes never panic the still-image
// checks and only ever produce the errors OpenImages documents.
func FuzzCheckStill(f *testing.F) {
	var j, p bytes.Buffer
	_ = jpeg.Encode(&j, patternFrame(16, 16, 0), nil)
	_ = png.Encode(&p, patternFrame(16, 16, 0))
	f.Add(j.Bytes())
	f.Add(j.Bytes()[:j.Len()/2])
	f.Add(p.Bytes())
	f.Add([]byte("BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00\x01\x00\x18\x00\x00\x00\x00\x00"))
	f.Add([]byte("II*\x00\x08\x00\x00\x00\xff\xff"))
	f.Add([]byte("RIFF\x04\x00\x00\x00WEBP"))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := checkStill(bytes.NewReader(data), int64(len(data)))
		if err != nil && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrBadImage) && !errors.Is(err, ErrEmptyFile) {
			t.Errorf("unexpected error from in-memory data: %v", err)
		}
	})
}

// rechunkPNG rewrites a PNG's image data as IDAT chunks of at most n
// bytes, as FFmpeg (4 KB) and libpng (8 KB) write them, for the check's
// worst ordinary case: one header read per chunk.
func rechunkPNG(t testing.TB, data []byte, n int) []byte {
	t.Helper()
	var idat []byte
	out := bytes.Clone(data[:8])
	for off := 8; off+12 <= len(data); {
		l := int(binary.BigEndian.Uint32(data[off:]))
		typ := string(data[off+4 : off+8])
		switch typ {
		case "IDAT":
			idat = append(idat, data[off+8:off+8+l]...)
		case "IEND":
			for len(idat) > 0 {
				k := min(n, len(idat))
				out = appendChunk(out, "IDAT", idat[:k])
				idat = idat[k:]
			}
			fallthrough
		default:
			out = append(out, data[off:off+12+l]...)
		}
		off += 12 + l
	}
	return out
}

func appendChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(append(b, typ...), data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// BenchmarkCheckImages times the up-front check of a folder of 2000
// images (what OpenImages adds before the first decode), against decoding
// them, per folder. The files are in the page cache, as a folder just
// copied or extracted is. Quiet machine:
//
//	go test ./vision/ -run '^$' -bench CheckImages -benchtime 5x
func BenchmarkCheckImages(b *testing.B) {
	const count = 2000
	rng := rand.New(rand.NewPCG(1, 2))
	frame := patternFrame(640, 360, 1)
	for i := range frame.Pix { // grain, so the files are photo-sized rather than flat
		frame.Pix[i] += uint8(rng.IntN(8))
	}
	var jb, pb bytes.Buffer
	if err := jpeg.Encode(&jb, frame, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	if err := png.Encode(&pb, frame); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name, ext string
		data      []byte
	}{
		{"jpeg", ".jpg", jb.Bytes()},
		{"jpeg with 64 KB trailer", ".jpg", cat2(jb.Bytes(), make([]byte, 64<<10))},
		{"png in 4 KB chunks", ".png", rechunkPNG(b, pb.Bytes(), 4096)},
	} {
		dir := b.TempDir()
		var files []string
		for i := range count {
			f := filepath.Join(dir, fmt.Sprintf("%05d%s", i, tc.ext))
			if err := os.WriteFile(f, tc.data, 0o644); err != nil {
				b.Fatal(err)
			}
			files = append(files, f)
		}
		b.Run(fmt.Sprintf("check %d %s of %d KB", count, tc.name, len(tc.data)>>10), func(b *testing.B) {
			for range b.N {
				for _, f := range files {
					if err := checkImage(f); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(fmt.Sprintf("decode %d %s", count, tc.name), func(b *testing.B) {
			for range b.N {
				for _, f := range files {
					m := gocv.IMRead(f, gocv.IMReadColor)
					if m.Empty() {
						b.Fatal("not decoded")
					}
					m.Close()
				}
			}
		})
	}
}
