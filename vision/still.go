package vision

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// OpenCV decodes whatever part of a cut-off JPEG it has and fills the rest
// grey, with only libjpeg's "Premature end of JPEG file" on stderr (there
// is no API that reports it), and its FFmpeg backend opens a PNG that lacks
// its IEND chunk; a still image is therefore checked here, from its own
// structure, before OpenCV sees it. The checks read a few bytes per
// segment or chunk and the end of the file, never the picture, so a
// folder of thousands of images is checked before its first is decoded.

// errNotImage is the cause for a file with an image extension that holds
// none of the formats read.
var errNotImage = fmt.Errorf("%w: not a JPEG, PNG, BMP, TIFF or WebP image", ErrBadImage)

// checkImage checks the still image at path (see checkStill).
func checkImage(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return openErr(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return checkStill(f, st.Size())
}

// checkStill refuses the size bytes of r as a still image when they are
// empty (ErrEmptyFile), none of the formats read (ErrBadImage), or
// structurally cut short or broken (ErrTruncated).
func checkStill(r io.ReaderAt, size int64) error {
	if size == 0 {
		return ErrEmptyFile
	}
	var head [34]byte
	n, err := r.ReadAt(head[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	format := stillFormat(head[:n])
	if format == "" {
		return errNotImage
	}
	err = sniffStill(r, size, format, head[:n])
	var se *structureError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: %s", ErrTruncated, se.msg)
	}
	return err
}

// stillFormat names the still-image format whose signature starts h (a
// file's first bytes): "jpeg", "png", "bmp", "tiff", "webp", or "".
func stillFormat(h []byte) string {
	switch {
	case bytes.HasPrefix(h, []byte{0xFF, 0xD8, 0xFF}):
		return "jpeg"
	case bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(h, []byte("BM")):
		return "bmp"
	case bytes.HasPrefix(h, []byte("II*\x00")), bytes.HasPrefix(h, []byte("MM\x00*")),
		bytes.HasPrefix(h, []byte("II+\x00")), bytes.HasPrefix(h, []byte("MM\x00+")): // TIFF, BigTIFF
		return "tiff"
	case len(h) >= 12 && string(h[0:4]) == "RIFF" && string(h[8:12]) == "WEBP":
		return "webp"
	}
	return ""
}

// sniffStill checks the structure of the size bytes of r as a still image
// of format (stillFormat of h, the file's first bytes), returning a
// *structureError when it is cut short or broken.
func sniffStill(r io.ReaderAt, size int64, format string, h []byte) error {
	switch format {
	case "jpeg":
		return sniffJPEG(r, size)
	case "png":
		return sniffPNG(r, size)
	case "bmp":
		return sniffBMP(h, size)
	case "tiff":
		return sniffTIFF(r, h, size)
	case "webp":
		if need := 8 + int64(binary.LittleEndian.Uint32(h[4:8])); need > size {
			return structErr("webp RIFF chunk needs %d bytes, file has %d", need, size)
		}
	}
	return nil
}

// jpegTail is how much of a JPEG's end is searched for its end-of-image
// marker before the whole file is scanned for it: the marker ends the
// file, or comes a little before the padding some cameras add.
const jpegTail = 4096

// sniffJPEG checks that the marker segments before a JPEG's image data fit
// in the file and that the file holds its end-of-image marker (FF D9)
// after the start of the image data. Entropy-coded data never holds FF D9
// (an FF there is followed by 00 or a restart marker), so finding one in
// the last jpegTail bytes proves the end is there; otherwise (a file cut
// short, or a large trailer such as a motion photo's video) the data is
// scanned marker by marker to its end-of-image, bytes after it ignored.
func sniffJPEG(r io.ReaderAt, size int64) error {
	data, err := jpegHeaders(r, size)
	if err != nil {
		return err
	}
	start := max(data, size-jpegTail)
	tail := make([]byte, size-start)
	if _, err := r.ReadAt(tail, start); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if bytes.LastIndex(tail, []byte{0xFF, 0xD9}) >= 0 {
		return nil
	}
	return jpegScan(r, data, size)
}

// maxJPEGSegments bounds the header segments read before the image data,
// against pathological files of tiny segments; cameras write about ten.
const maxJPEGSegments = 1000

// jpegHeaders walks the marker segments after SOI up to and including the
// first start-of-scan (FF DA) and returns the offset of its entropy-coded
// data.
func jpegHeaders(r io.ReaderAt, size int64) (int64, error) {
	var hdr [4]byte
	off := int64(2)
	for range maxJPEGSegments {
		n, err := r.ReadAt(hdr[:], off)
		if n < 2 {
			if err != nil && !errors.Is(err, io.EOF) {
				return 0, err
			}
			return 0, structErr("jpeg ends at byte %d, before its image data", size)
		}
		if hdr[0] != 0xFF {
			return 0, structErr("jpeg has no marker at byte %d, where its headers continue", off)
		}
		marker := hdr[1]
		switch {
		case marker == 0xFF: // fill byte before a marker
			off++
			continue
		case marker == 0xD9:
			return 0, structErr("jpeg ends (FF D9 at byte %d) before any image data", off)
		case marker == 0x01 || marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7):
			off += 2 // markers without a segment
			continue
		}
		if n < 4 {
			return 0, structErr("jpeg segment FF %02X at byte %d is cut off", marker, off)
		}
		length := int64(binary.BigEndian.Uint16(hdr[2:4]))
		if length < 2 {
			return 0, structErr("jpeg segment FF %02X at byte %d has impossible length %d", marker, off, length)
		}
		if off+2+length > size {
			return 0, structErr("jpeg segment FF %02X at byte %d needs %d bytes but only %d remain", marker, off, 2+length, size-off)
		}
		off += 2 + length
		if marker == 0xDA {
			return off, nil
		}
	}
	return 0, structErr("jpeg has more than %d segments before its image data", maxJPEGSegments)
}

// jpegScan reads a JPEG from off, the start of entropy-coded data, to its
// end-of-image marker, skipping the segments between scans of a
// progressive JPEG.
func jpegScan(r io.ReaderAt, off, size int64) error {
	br := bufio.NewReaderSize(io.NewSectionReader(r, off, size-off), 64<<10)
	cut := structErr("jpeg ends before its end-of-image marker (FF D9)")
	for {
		if _, err := br.ReadSlice(0xFF); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, io.EOF) {
				return cut
			}
			return err
		}
		marker, err := br.ReadByte()
		for err == nil && marker == 0xFF { // fill bytes
			marker, err = br.ReadByte()
		}
		switch {
		case errors.Is(err, io.EOF):
			return cut
		case err != nil:
			return err
		case marker == 0xD9:
			return nil
		case marker == 0x00 || (marker >= 0xD0 && marker <= 0xD7):
			continue // a stuffed FF or a restart marker: still image data
		}
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return cut
			}
			return err
		}
		length := int(binary.BigEndian.Uint16(l[:]))
		if length < 2 {
			return structErr("jpeg segment FF %02X has impossible length %d", marker, length)
		}
		if _, err := br.Discard(length - 2); err != nil {
			if errors.Is(err, io.EOF) {
				return cut
			}
			return err
		}
	}
}

// maxPNGChunks bounds the chunks walked, against pathological files of
// tiny chunks; a PNG written in FFmpeg's 4 KB chunks reaches it at 4 GB.
// A file with more is left to the decoder.
const maxPNGChunks = 1 << 20

// sniffPNG walks a PNG's chunks: each must fit in the file, the first is
// IHDR, and IEND must come (bytes after it are ignored, as decoders do).
func sniffPNG(r io.ReaderAt, size int64) error {
	var hdr [8]byte
	off := int64(8)
	for i := 0; i < maxPNGChunks; i++ {
		if off >= size {
			return structErr("png ends at byte %d, before its IEND chunk", size)
		}
		n, err := r.ReadAt(hdr[:], off)
		if n < 8 {
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			return structErr("png chunk at byte %d is cut off before its IEND chunk", off)
		}
		length := int64(binary.BigEndian.Uint32(hdr[0:4]))
		typ := string(hdr[4:8])
		if length > 1<<31-1 {
			return structErr("png chunk %q at byte %d has impossible length %d", printable(typ), off, length)
		}
		if i == 0 && typ != "IHDR" {
			return structErr("png starts with chunk %q, not IHDR", printable(typ))
		}
		if need := 12 + length; off+need > size { // length, type, data, CRC
			return structErr("png chunk %q at byte %d needs %d bytes but only %d remain", printable(typ), off, need, size-off)
		}
		if typ == "IEND" {
			return nil
		}
		off += 12 + length
	}
	return nil
}

// sniffBMP checks that an uncompressed BMP's pixel rows fit in the file;
// h is the file's first bytes (34 for the fields read). Compressed BMPs
// (RLE) are left to the decoder.
func sniffBMP(h []byte, size int64) error {
	if len(h) < 26 {
		return structErr("bmp of %d bytes ends in its header", size)
	}
	le := binary.LittleEndian
	pixels := int64(le.Uint32(h[10:14]))
	var w, ht, bpp, compression int64
	switch dib := le.Uint32(h[14:18]); {
	case dib == 12: // OS/2 BITMAPCOREHEADER: uncompressed
		w, ht, bpp = int64(le.Uint16(h[18:20])), int64(le.Uint16(h[20:22])), int64(le.Uint16(h[24:26]))
	case dib >= 40 && len(h) >= 34: // BITMAPINFOHEADER and its successors
		w, ht = int64(int32(le.Uint32(h[18:22]))), int64(int32(le.Uint32(h[22:26])))
		bpp, compression = int64(le.Uint16(h[28:30])), int64(le.Uint32(h[30:34]))
	default:
		return nil
	}
	if ht < 0 { // top-down rows
		ht = -ht
	}
	const maxSide = 1 << 24 // keeps the product below in range
	if compression != 0 && compression != 3 || w <= 0 || w > maxSide || ht > maxSide || bpp == 0 || bpp > 32 {
		return nil // BI_RGB and BI_BITFIELDS only; odd values are the decoder's to refuse
	}
	if need := pixels + (w*bpp+31)/32*4*ht; need > size {
		return structErr("bmp pixel rows need %d bytes, file has %d", need, size)
	}
	return nil
}

// sniffTIFF checks that a TIFF's first image directory lies inside the
// file; h is the file's first bytes. Where its strips or tiles lie is not
// checked, nor anything of a BigTIFF.
func sniffTIFF(r io.ReaderAt, h []byte, size int64) error {
	if len(h) < 8 {
		return structErr("tiff of %d bytes ends in its header", size)
	}
	if h[2] == '+' || h[3] == '+' {
		return nil
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if h[0] == 'M' {
		bo = binary.BigEndian
	}
	ifd := int64(bo.Uint32(h[4:8]))
	var c [2]byte
	if ifd < 8 || ifd+2 > size {
		return structErr("tiff image directory at byte %d is outside the %d-byte file", ifd, size)
	}
	if _, err := r.ReadAt(c[:], ifd); err != nil {
		return err
	}
	// The entry count, 12 bytes an entry, the next directory's offset.
	if need := 2 + 12*int64(bo.Uint16(c[:])) + 4; ifd+need > size {
		return structErr("tiff image directory at byte %d needs %d bytes but only %d remain", ifd, need, size-ifd)
	}
	return nil
}
