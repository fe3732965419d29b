package vision

import (
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kneescreen/kneescreen/internal/atomicfile"
	"github.com/kneescreen/kneescreen/internal/mp4join"
)

// A split writer encodes one video as parts: each part a contiguous run of
// the video's frames, encoded by an ffmpeg of its own on one thread into a
// temporary file of its own, all at once; Close joins the parts' samples
// into the video without decoding or encoding them (internal/mp4join).
//
// Why: libx264 does not use a second core well on the small frames of an
// annotated video. On 900 frames at 640x360, one thread took 1.2-1.3 s,
// two frame threads 1.0 s and two sliced threads 1.1-1.25 s, and inside
// analyze neither two-thread setting was faster than one thread, which
// left most of the second core idle while the first encoded. Two
// one-thread encoders, each given half of the frames, took 0.74-0.78 s
// together. Each part starts at a key frame, so the video has one more key
// frame per part than one encoder would give it, and bytes that differ
// from a single encoder's (the same frames, within libx264's CRF).

// StartFFmpegVideoParts is StartFFmpegVideo for a video written in parts
// parts (WritePart), which are encoded at once and joined by Close; with
// parts of 1 or less it is StartFFmpegVideo. The path must be an MP4,
// QuickTime or M4V file (the join's container).
func StartFFmpegVideoParts(ctx context.Context, path string, fps float64, width, height, parts int) (*VideoWriter, error) {
	if parts > 1 {
		switch strings.ToLower(filepath.Ext(path)) {
		case ".mp4", ".mov", ".m4v":
		default:
			return nil, fmt.Errorf("vision: create %s: a video in parts is joined as MP4: want .mp4, .mov or .m4v", path)
		}
	}
	return createVideo(ctx, path, fps, width, height, EncoderFFmpeg, true, max(parts, 1))
}

// videoPart is one part of a split writer.
type videoPart struct {
	ff     *ffmpegPipe
	tmp    string // the part's temporary file
	frames int
	err    error // why a write stopped the part
}

// startParts starts a split writer's parts, with the ffmpeg at path.
func (w *VideoWriter) startParts(ctx context.Context, path string, fps float64, n int, confirmed bool) error {
	for range n {
		tmp, err := atomicfile.TempPath(w.path)
		if err == nil {
			var ff *ffmpegPipe
			if ff, err = startFFmpeg(ctx, path, tmp, fps, w.width, w.height, confirmed, true); err == nil {
				w.parts = append(w.parts, &videoPart{ff: ff, tmp: tmp})
				continue
			}
			os.Remove(tmp)
		}
		w.release()
		w.removeTemps()
		os.Remove(w.tmp)
		return err
	}
	return nil
}

// Parts returns how many parts the writer encodes at once: 1 unless it
// was started by StartFFmpegVideoParts.
func (w *VideoWriter) Parts() int {
	return max(len(w.parts), 1)
}

// WritePart appends img to part i of a split writer (0 <= i < Parts();
// part 0 alone for any other writer). The video is part 0's frames, then
// part 1's, and so on. Each part may be written by a goroutine of its
// own, at the same time as the others; Close or Abort only once every
// part's writes have returned. On an error the part stops and Close
// fails with it.
func (w *VideoWriter) WritePart(i int, img *image.RGBA) error {
	if w.parts == nil {
		if i != 0 {
			return fmt.Errorf("vision: write %s: part %d of a video not in parts", w.path, i)
		}
		return w.Write(img)
	}
	if w.closed {
		return ErrWriterClosed
	}
	if i < 0 || i >= len(w.parts) {
		return fmt.Errorf("vision: write %s: part %d of %d", w.path, i, len(w.parts))
	}
	p := w.parts[i]
	if p.err != nil {
		return p.err
	}
	if img.Rect.Dx() != w.width || img.Rect.Dy() != w.height {
		return fmt.Errorf("vision: write %s: frame is %dx%d, video is %dx%d", w.path, img.Rect.Dx(), img.Rect.Dy(), w.width, w.height)
	}
	if err := p.ff.write(img); err != nil {
		p.err = fmt.Errorf("vision: write %s: %w", w.path, err)
		return p.err
	}
	p.frames++
	return nil
}

// closeParts finishes every part's ffmpeg (all at once: each flushes its
// lookahead on its own core), joins the parts that hold frames into the
// writer's temporary file and counts their frames in w.frames, for Close
// to check and publish. The parts' files are removed whatever happens.
func (w *VideoWriter) closeParts() error {
	w.closed = true
	defer w.removeTemps()
	for _, p := range w.parts {
		if p.frames > 0 && p.err == nil {
			p.ff.stdin.Close() // ffmpeg flushes from here, beside the others
		} else {
			p.ff.kill()
		}
	}
	var files []string
	w.frames = 0
	for _, p := range w.parts {
		if p.err != nil {
			os.Remove(w.tmp)
			return p.err
		}
		if p.frames == 0 {
			continue
		}
		if err := p.ff.finish(); err != nil {
			os.Remove(w.tmp)
			return fmt.Errorf("vision: encode %s: %w", w.path, err)
		}
		files = append(files, p.tmp)
		w.frames += p.frames
	}
	if len(files) == 0 {
		return nil // Close says no frames were written
	}
	if err := joinParts(w.tmp, files); err != nil {
		os.Remove(w.tmp)
		return fmt.Errorf("vision: encode %s: join its parts: %w; nothing saved", w.path, err)
	}
	return nil
}

// joinParts joins the part files into tmp, the writer's own temporary
// file, which Close checks and publishes (mp4join.JoinFiles would write
// and sync a temporary file of its own first).
func joinParts(tmp string, files []string) error {
	parts := make([]io.ReadSeeker, len(files))
	for i, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		parts[i] = f
	}
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if err := mp4join.Join(out, parts...); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// removeTemps removes a split writer's part files.
func (w *VideoWriter) removeTemps() {
	for _, p := range w.parts {
		os.Remove(p.tmp) // gone already once joined or aborted
	}
}
