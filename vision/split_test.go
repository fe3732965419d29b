package vision

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestSplitVideo writes videos in parts, each part from a goroutine of its
// own, and checks that Close leaves one video that holds every frame in
// order at its time, each part starting at a key frame, with its index
// before its samples and no part file left beside it.
func TestSplitVideo(t *testing.T) {
	needTool(t, "ffmpeg")
	const w, h = 160, 96
	tests := []struct {
		name   string
		file   string
		fps    float64
		parts  int
		split  []int // frames per part
		serial bool  // written with Write alone
	}{
		{"two halves", "v.mp4", 30, 2, []int{15, 16}, false},
		{"three parts, ntsc mov", "v.mov", 30000.0 / 1001, 3, []int{7, 1, 9}, false},
		{"an empty part", "v.mp4", 25, 3, []int{4, 0, 5}, false},
		{"written in order with Write", "v.m4v", 30, 2, []int{12}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, tt.file)
			vw, err := StartFFmpegVideoParts(context.Background(), path, tt.fps, w, h, tt.parts)
			if err != nil {
				t.Fatal(err)
			}
			if vw.Parts() != tt.parts {
				t.Fatalf("Parts() = %d, want %d", vw.Parts(), tt.parts)
			}
			if err := vw.Ready(); err != nil {
				t.Fatal(err)
			}
			n := 0
			var wg sync.WaitGroup
			errs := make([]error, len(tt.split))
			for p, count := range tt.split {
				first := n
				n += count
				write := func() {
					defer wg.Done()
					for i := first; i < first+count; i++ {
						var err error
						if tt.serial {
							err = vw.Write(patternFrame(w, h, i))
						} else {
							err = vw.WritePart(p, patternFrame(w, h, i))
						}
						if err != nil {
							errs[p] = err
							return
						}
					}
				}
				wg.Add(1)
				if tt.serial {
					write()
				} else {
					go write()
				}
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			if err := vw.Close(); err != nil {
				t.Fatal(err)
			}
			if names := dirNames(t, dir); len(names) != 1 {
				t.Errorf("folder holds %v after Close, want only the video", names)
			}
			if moov, mdat := topBoxOffset(t, path, "moov"), topBoxOffset(t, path, "mdat"); moov > mdat {
				t.Errorf("index at %d after the samples at %d: players must read the whole file first", moov, mdat)
			}
			v, err := OpenVideo(path)
			if err != nil {
				t.Fatal(err)
			}
			defer v.Close()
			if info := v.Info(); info.FrameCount != n || math.Abs(info.FPS-tt.fps) > 1e-6 {
				t.Errorf("Info %d frames at %v fps, want %d at %v", info.FrameCount, info.FPS, n, tt.fps)
			}
			times, ids := readAll(t, v, 0)
			if len(ids) != n {
				t.Fatalf("decoded %d frames, wrote %d", len(ids), n)
			}
			for i := range ids {
				if ids[i] != i || math.Abs(times[i]-float64(i)/tt.fps) > 1e-6 {
					t.Errorf("frame %d: pattern index %d, time %.6f (want %.6f)", i, ids[i], times[i], float64(i)/tt.fps)
				}
			}
			keys := strings.Fields(ffprobe(t, path, "-show_entries", "frame=key_frame"))
			first := 0
			for _, count := range tt.split {
				if count > 0 && (first >= len(keys) || keys[first] != "1") {
					t.Errorf("frame %d, a part's first, is not a key frame (key_frame flags %v)", first, keys)
				}
				first += count
			}
		})
	}
}

// TestSplitVideoStops: a cancelled context fails the write or Close in
// one line, Abort and a video without frames leave no file behind, and
// a container the join cannot write is refused up front.
func TestSplitVideoStops(t *testing.T) {
	needTool(t, "ffmpeg")
	const w, h = 320, 240
	t.Run("cancelled", func(t *testing.T) {
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		vw, err := StartFFmpegVideoParts(ctx, filepath.Join(dir, "v.mp4"), 30, w, h, 2)
		if err != nil {
			t.Fatal(err)
		}
		var werr error
		for i := 0; i < 6 && werr == nil; i++ {
			if i == 3 {
				cancel()
			}
			werr = vw.WritePart(i%2, patternFrame(w, h, i))
		}
		cerr := vw.Close()
		if cerr == nil || !errors.Is(cerr, context.Canceled) || strings.Contains(cerr.Error(), "\n") {
			t.Errorf("Close after cancelling: %v (write: %v), want one line wrapping context.Canceled", cerr, werr)
		}
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("files left: %v", names)
		}
	})
	t.Run("abort", func(t *testing.T) {
		dir := t.TempDir()
		vw, err := StartFFmpegVideoParts(context.Background(), filepath.Join(dir, "v.mp4"), 30, w, h, 2)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 4 {
			if err := vw.WritePart(i%2, patternFrame(w, h, i)); err != nil {
				t.Fatal(err)
			}
		}
		vw.Abort()
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("files left after Abort: %v", names)
		}
	})
	t.Run("no frames", func(t *testing.T) {
		dir := t.TempDir()
		vw, err := StartFFmpegVideoParts(context.Background(), filepath.Join(dir, "v.mp4"), 30, w, h, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := vw.Close(); err == nil || !strings.Contains(err.Error(), "no frames") {
			t.Errorf("Close without frames: %v", err)
		}
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("files left: %v", names)
		}
	})
	t.Run("not mp4", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := StartFFmpegVideoParts(context.Background(), filepath.Join(dir, "v.mkv"), 30, w, h, 2); err == nil {
			t.Error("a Matroska video in parts was accepted")
		}
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("files left: %v", names)
		}
	})
}

// dirNames lists dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// topBoxOffset returns the offset of the first top-level MP4 box of type
// typ in path.
func topBoxOffset(t *testing.T, path, typ string) int64 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for off := int64(0); off+8 <= int64(len(b)); {
		size := int64(binary.BigEndian.Uint32(b[off:]))
		hdr := int64(8)
		if size == 1 && off+16 <= int64(len(b)) {
			size, hdr = int64(binary.BigEndian.Uint64(b[off+8:])), 16
		}
		if bytes.Equal(b[off+4:off+8], []byte(typ)) {
			return off
		}
		if size < hdr {
			break
		}
		off += size
	}
	t.Fatal(fmt.Errorf("%s: no top-level %q box", path, typ))
	return 0
}
