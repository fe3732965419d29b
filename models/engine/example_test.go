package engine_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/kneescreen/kneescreen/models/engine"
)

// ExampleLoad loads MoveNet Lightning (the ONNX file kneescreen embeds),
// reads its signature, and runs it once on a black image from a Session of
// its own: one (y, x, score) triple per COCO keypoint.
func ExampleLoad() {
	data, err := os.ReadFile("../lightning.onnx")
	if err != nil {
		log.Fatal(err)
	}
	m, err := engine.Load(data, engine.WithThreads(1))
	if err != nil {
		log.Fatal(err)
	}
	in, out := m.Inputs()[0], m.Outputs()[0]
	fmt.Println("input", in.DType, in.Shape)
	fmt.Println("output", out.DType, out.Shape)

	s := m.NewSession()
	defer s.Close()
	img := &engine.Tensor{DType: engine.Int32, Shape: in.Shape, I32: make([]int32, 192*192*3)}
	outs, err := s.Run(context.Background(), img)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(outs[0].F32)/3, "keypoints")
	// Output:
	// input int32 [1 192 192 3]
	// output float32 [1 1 17 3]
	// 17 keypoints
}
