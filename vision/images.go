package vision

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gocv.io/x/gocv"
)

// imageExts are the file extensions an image folder is read for.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".bmp": true, ".tif": true, ".tiff": true, ".webp": true}

// IsImageFile reports whether name has one of the still-image extensions an
// image folder is read for (.jpg .jpeg .png .bmp .tif .tiff .webp, in any
// case), so callers can treat a single such file the same way.
func IsImageFile(name string) bool { return imageExts[strings.ToLower(filepath.Ext(name))] }

// Images is a FrameSource reading a folder of still images in byte-wise
// name order (so name them with zero-padded numbers: 0001.png, 0002.png).
// JPEG EXIF orientation is applied, so phone photos come out upright.
// Images may differ in size; Info reports the first one's.
type Images struct {
	info  Info
	files []string
	index int
	bgr   gocv.Mat
	rgba  *rgbaScratch
	img   image.Image
	open  bool
}

// OpenImages opens a folder of images, timed as if shot at fps frames per
// second (Frame.Time = Index/fps); fps must be positive. Every image is
// checked first: one that is empty (ErrEmptyFile), is not a JPEG, PNG, BMP,
// TIFF or WebP image (ErrBadImage) or whose structure is cut short
// (ErrTruncated: a JPEG without its end-of-image marker, a PNG without
// IEND or with a chunk running past the end, ...) fails the open in a
// *SourceError naming that image.
func OpenImages(dir string, fps float64) (*Images, error) {
	if !(fps > 0) {
		return nil, sourceErr(dir, fmt.Errorf("frame rate must be positive, got %v", fps))
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, sourceErr(dir, ErrNotFound)
		}
		return nil, sourceErr(dir, err)
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && IsImageFile(e.Name()) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil, sourceErr(dir, ErrNoImages)
	}
	sort.Strings(files)
	// Every image is checked before the first is decoded, so a damaged one
	// anywhere in the folder fails the open, before any work.
	for _, f := range files {
		if err := checkImage(f); err != nil {
			return nil, sourceErr(f, err)
		}
	}
	im := &Images{files: files, bgr: gocv.NewMat(), rgba: newRGBAScratch(), open: true}
	if err := im.load(0); err != nil {
		im.Close()
		return nil, err
	}
	im.info = Info{
		Path: dir, Kind: KindImages, Width: im.bgr.Cols(), Height: im.bgr.Rows(), FPS: fps,
		FrameCount: len(files), Duration: float64(len(files)) / fps,
	}
	return im, nil
}

// load decodes file i into im.bgr.
func (im *Images) load(i int) error {
	m := gocv.IMRead(im.files[i], gocv.IMReadColor)
	if m.Empty() {
		m.Close()
		return sourceErr(im.files[i], ErrBadImage)
	}
	im.bgr.Close()
	im.bgr = m
	return nil
}

// Info implements FrameSource.
func (im *Images) Info() Info { return im.info }

// Next implements FrameSource.
func (im *Images) Next(ctx context.Context) (Frame, error) { return nextReusing(ctx, im, &im.img) }

// NextInto implements IntoSource.
func (im *Images) NextInto(ctx context.Context, dst image.Image) (Frame, error) {
	if !im.open {
		return Frame{}, sourceErr(im.info.Path, errClosed)
	}
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	if im.index >= len(im.files) {
		return Frame{}, io.EOF
	}
	if im.index > 0 { // image 0 was loaded by OpenImages
		if err := im.load(im.index); err != nil {
			return Frame{}, err
		}
	}
	rgba, _ := dst.(*image.RGBA)
	img, err := matToRGBA(im.bgr, im.rgba, rgba)
	if err != nil {
		return Frame{}, sourceErr(im.files[im.index], err)
	}
	f := Frame{Index: im.index, Time: float64(im.index) / im.info.FPS, Image: img}
	im.index++
	return f, nil
}

// Close implements FrameSource.
func (im *Images) Close() error {
	if im.open {
		im.open = false
		im.bgr.Close()
		im.rgba.close()
		im.img = nil
	}
	return nil
}
