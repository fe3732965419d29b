package models

import (
	"context"
	"image"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/kneescreen/kneescreen/pose"
)

// TestSharedModel loads Lightning once and estimates from estimators of 1,
// 2 and 3 threads at the same time, as concurrent analyses sharing one
// model do: each finds the pose the one-thread estimator finds (within
// float rounding of a different split of the work).
func TestSharedModel(t *testing.T) {
	m, err := Load(testModel(t, Lightning), Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range img.Pix {
		img.Pix[i] = uint8(i/1280 + rng.IntN(64))
	}
	ref := m.NewEstimatorThreads(1)
	want, err := ref.Estimate(context.Background(), img)
	ref.Close()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, threads := range []int{0, 2, 3} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := m.NewEstimatorThreads(threads)
			defer e.Close()
			var p pose.Pose
			for range 3 {
				if err := e.EstimateInto(context.Background(), img, &p); err != nil {
					t.Error(err)
					return
				}
				for j, k := range p.Keypoints {
					w := want.Keypoints[j]
					if math.Abs(k.NX-w.NX) > 1e-5 || math.Abs(k.NY-w.NY) > 1e-5 || math.Abs(k.Score-w.Score) > 1e-5 {
						t.Errorf("%d threads: %s %+v, one thread %+v", threads, p.Skeleton.Joint(j), k, w)
					}
				}
			}
		}()
	}
	wg.Wait()
}
