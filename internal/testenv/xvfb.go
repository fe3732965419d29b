package testenv

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Xvfb is a virtual X display (Debian's xvfb) a test started, for testing
// windows without a screen. Screenshot reads what it shows.
type Xvfb struct {
	// Display is the value for $DISPLAY (":N").
	Display string
	fbdir   string
}

// StartXvfb starts Xvfb with a 1280x800 screen on a free display number
// and stops it when the test ends; it skips the test when Xvfb is not
// installed. The screen is black (-br) and kept in a file (Xvfb -fbdir), which Screenshot
// reads: no screenshot tool is needed.
func StartXvfb(tb testing.TB) *Xvfb {
	tb.Helper()
	bin, err := exec.LookPath("Xvfb")
	if err != nil {
		tb.Skip("Xvfb not installed (Debian package xvfb); skipping")
	}
	fbdir := tb.TempDir()
	r, w, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	// -displayfd: Xvfb picks a free display number and writes it to fd 3
	// once it accepts connections.
	cmd := exec.Command(bin, "-displayfd", "3", "-screen", "0", "1280x800x24", "-fbdir", fbdir, "-nolisten", "tcp", "-br")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start Xvfb: %v", err)
	}
	w.Close()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(r).ReadString('\n')
		line <- s
		r.Close()
	}()
	select {
	case s := <-line:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			tb.Fatalf("Xvfb did not report its display: %q", s)
		}
		return &Xvfb{Display: ":" + strconv.Itoa(n), fbdir: fbdir}
	case <-time.After(20 * time.Second):
		tb.Fatal("Xvfb did not start within 20 s")
	}
	return nil
}

// Screenshot returns the whole screen as Xvfb shows it.
func (x *Xvfb) Screenshot() (*image.RGBA, error) {
	b, err := os.ReadFile(filepath.Join(x.fbdir, "Xvfb_screen0"))
	if err != nil {
		return nil, err
	}
	return decodeXWD(b)
}

// decodeXWD decodes an X window dump (XWD version 7) in ZPixmap format
// with 32 bits per pixel, as Xvfb writes its 24-bit screens.
func decodeXWD(b []byte) (*image.RGBA, error) {
	if len(b) < 100 {
		return nil, fmt.Errorf("xwd: %d bytes, too short for a header", len(b))
	}
	h := make([]uint32, 25)
	for i := range h {
		h[i] = binary.BigEndian.Uint32(b[4*i:])
	}
	headerSize, version, format := h[0], h[1], h[2]
	width, height, byteOrder := int(h[4]), int(h[5]), h[7]
	bpp, stride := h[11], int(h[12])
	rmask, gmask, bmask := h[14], h[15], h[16]
	ncolors := h[19]
	if version != 7 || format != 2 || bpp != 32 {
		return nil, fmt.Errorf("xwd: version %d, format %d, %d bits per pixel: want 7, ZPixmap (2), 32", version, format, bpp)
	}
	off := int(headerSize) + 12*int(ncolors)
	if width <= 0 || height <= 0 || stride < 4*width || off+stride*height > len(b) {
		return nil, fmt.Errorf("xwd: %dx%d with %d bytes a line does not fit %d bytes", width, height, stride, len(b))
	}
	shift := func(m uint32) uint {
		s := uint(0)
		for m != 0 && m&1 == 0 {
			m >>= 1
			s++
		}
		return s
	}
	rs, gs, bs := shift(rmask), shift(gmask), shift(bmask)
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := 0; y < height; y++ {
		row := b[off+y*stride:]
		for x := 0; x < width; x++ {
			var v uint32
			if byteOrder == 0 { // LSBFirst
				v = binary.LittleEndian.Uint32(row[4*x:])
			} else {
				v = binary.BigEndian.Uint32(row[4*x:])
			}
			o := img.PixOffset(x, y)
			img.Pix[o] = uint8((v & rmask) >> rs)
			img.Pix[o+1] = uint8((v & gmask) >> gs)
			img.Pix[o+2] = uint8((v & bmask) >> bs)
			img.Pix[o+3] = 255
		}
	}
	return img, nil
}
