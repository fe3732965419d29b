package vision

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeUndecodablePNG writes img as a PNG whose chunks are whole but whose
// image data is damaged (a flipped byte fails IDAT's CRC): it passes
// OpenImages' structure check and fails only when OpenCV decodes it.
func writeUndecodablePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	if string(data[37:41]) != "IDAT" {
		t.Fatal("Go's PNG encoder no longer writes IDAT at byte 33")
	}
	data[41+2] ^= 0xFF // inside IDAT's data, past the zlib header
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// jpegWithOrientation encodes img as JPEG carrying an EXIF Orientation tag,
// as phone cameras write (6 = stored 90° counter-clockwise of upright).
func jpegWithOrientation(t *testing.T, img image.Image, orientation byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	tiff := []byte{
		'I', 'I', 42, 0, 8, 0, 0, 0, // little-endian TIFF header, IFD at 8
		1, 0, // one entry
		0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, // Orientation, SHORT, 1 value
		0, 0, 0, 0, // no next IFD
	}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	app1 := append([]byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	data := b.Bytes()
	return append(append(append([]byte(nil), data[:2]...), app1...), data[2:]...)
}

func TestImagesFolder(t *testing.T) {
	dir := t.TempDir()
	// Byte-wise name order: a_001.jpg, a_010.png, b_002.png.
	writePNG(t, filepath.Join(dir, "b_002.png"), patternFrame(64, 48, 2))
	writePNG(t, filepath.Join(dir, "a_010.png"), patternFrame(80, 60, 1)) // a different size
	if err := os.WriteFile(filepath.Join(dir, "a_001.JPG"), jpegWithOrientation(t, patternFrame(64, 48, 0), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	os.Mkdir(filepath.Join(dir, "zz.png"), 0o755) // a folder, not an image

	src, err := OpenImages(dir, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	want := Info{Path: dir, Kind: KindImages, Width: 64, Height: 48, FPS: 4, FrameCount: 3, Duration: 0.75}
	if src.Info() != want {
		t.Errorf("Info = %+v, want %+v", src.Info(), want)
	}
	sizes := []image.Point{{64, 48}, {80, 60}, {64, 48}}
	for i := 0; ; i++ {
		f, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			if i != 3 {
				t.Fatalf("EOF after %d images, want 3", i)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if f.Index != i || math.Abs(f.Time-float64(i)/4) > 1e-9 || f.Image.Rect.Size() != sizes[i] || decodeIndex(f.Image) != i {
			t.Errorf("frame %d: index %d time %v size %v pattern %d", i, f.Index, f.Time, f.Image.Rect.Size(), decodeIndex(f.Image))
		}
		if q := quadrants(f.Image); !near(q[0], colTL, 20) || !near(q[3], colBR, 20) {
			t.Errorf("frame %d: quadrant colours %v", i, q)
		}
	}
}

func TestImagesEXIFOrientationApplied(t *testing.T) {
	dir := t.TempDir()
	// Stored 64x48 with Orientation 6: shown turned 90° clockwise, 48x64,
	// the stored top-left (red) quadrant ending top-right.
	if err := os.WriteFile(filepath.Join(dir, "photo.jpg"), jpegWithOrientation(t, patternFrame(64, 48, 0), 6), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := OpenImages(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	f, err := src.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	q := quadrants(f.Image)
	if f.Image.Rect.Size() != (image.Point{48, 64}) || !near(q[1], colTL, 25) || !near(q[0], colBL, 25) {
		t.Errorf("size %v, quadrants %v: EXIF orientation not applied", f.Image.Rect.Size(), q)
	}
}

func TestImagesErrors(t *testing.T) {
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "readme.txt"), []byte("x"), 0o644)
	if _, err := OpenImages(empty, 30); !errors.Is(err, ErrNoImages) || !strings.Contains(err.Error(), empty) {
		t.Errorf("folder without images: %v, want ErrNoImages naming it", err)
	}
	missing := filepath.Join(empty, "nope")
	if _, err := OpenImages(missing, 30); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing folder: %v, want ErrNotFound", err)
	}
	if _, err := OpenImages(empty, 0); err == nil || !strings.Contains(err.Error(), "frame rate must be positive") {
		t.Errorf("fps 0: %v", err)
	}

	// A PNG whose chunks are whole but whose image data is damaged (a
	// flipped byte fails IDAT's CRC) passes the structure check and fails
	// when OpenCV decodes it.
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "1.png"), patternFrame(32, 24, 0))
	bad := filepath.Join(dir, "2.png")
	writeUndecodablePNG(t, bad, patternFrame(32, 24, 1))
	src, err := OpenImages(dir, 30)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := src.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err = src.Next(context.Background())
	if !errors.Is(err, ErrBadImage) || !strings.Contains(err.Error(), "vision: "+bad+": image cannot be decoded") {
		t.Errorf("corrupt image: %v, want ErrBadImage naming %s", err, bad)
	}
}

func TestIsImageFile(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{"a.png", true},
		{"dir/B.JPG", true},
		{"x.jpeg", true},
		{"x.bmp", true},
		{"x.tif", true},
		{"x.Tiff", true},
		{"x.webp", true},
		{"clip.mp4", false},
		{"png", false},
		{"notes.png.txt", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsImageFile(tt.name); got != tt.want {
			t.Errorf("IsImageFile(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
