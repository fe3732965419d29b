package engine

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/kneescreen/kneescreen/models/engine/internal/kernels"
)

// lightningBitsFile records, per kernel implementation, the SHA-256 of
// Lightning's outputs on fixed inputs at one thread.
const lightningBitsFile = "testdata/lightning-bits.json"

// TestLightningOutputBits holds the engine's Lightning outputs, at one
// thread (analyze's lanes), to the bits recorded for the kernels this CPU
// runs. Bit for bit, not within a tolerance, because the pipeline
// amplifies the last float bit: MoveNet picks each joint's heatmap cell by
// argmax and the next frame's crop follows from the pose, so flipping one
// rounding in one frame can move a joint by a heatmap cell and every later
// crop with it. On the shared clips, resampling the crops with each
// output pixel's sum taken in the opposite order (last-bit differences
// that move an input byte now and then) moved a rep's FPPA by up to 2.2°,
// four times what internal/pipeline's TestRepMetricsMatchFullRate allows. A kernel change
// that reorders float sums (a different tiling of K, FMA for MUL+ADD,
// fusing ops that round in between) fails here first: keep the order, or
// argue the change against that test's record and rerun it with -update
// here (go test ./models/engine -run TestLightningOutputBits -update).
func TestLightningOutputBits(t *testing.T) {
	data, err := os.ReadFile("../lightning.onnx")
	if err != nil {
		t.Skipf("embedded model file: %v", err)
	}
	m, err := Load(data, WithThreads(1))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	rng := rand.New(rand.NewPCG(7, 11))
	in := &Tensor{DType: Int32, Shape: []int{1, 192, 192, 3}, I32: make([]int32, 192*192*3)}
	for k := range 4 {
		for i := range in.I32 {
			switch k {
			case 0: // a smooth pattern, like a blurred scene
				in.I32[i] = int32((i*7 + i/576*13) % 256)
			default: // noise, which every kernel path sees
				in.I32[i] = rng.Int32N(256)
			}
		}
		for _, v := range runModel(t, m, in)[0].F32 {
			h.Write(binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
		}
	}
	got := hex.EncodeToString(h.Sum(nil))
	impl := kernels.Current().String()
	rec := map[string]string{}
	if b, err := os.ReadFile(lightningBitsFile); err == nil {
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatalf("%s: %v", lightningBitsFile, err)
		}
	}
	if *update {
		rec[impl] = got
		b, _ := json.MarshalIndent(rec, "", " ")
		if err := os.WriteFile(lightningBitsFile, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("recorded %s for %s", got, impl)
		return
	}
	want, ok := rec[impl]
	if !ok {
		t.Skipf("no record for the %s kernels (go test ./models/engine -run TestLightningOutputBits -update records this CPU's)", impl)
	}
	if got != want {
		t.Errorf("Lightning's outputs on the %s kernels changed bits (sha256 %s, recorded %s): see this test's comment", impl, got, want)
	}
}
