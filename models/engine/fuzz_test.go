package engine

import (
	"context"
	"errors"
	"testing"

	"github.com/owulveryck/onnx-go/backend/testbackend"
)

// FuzzLoad feeds arbitrary bytes to Load: it must return a model or an
// error, never panic, and a model that loads must run on zero inputs
// without panicking.
func FuzzLoad(f *testing.F) {
	// Small limits keep the fuzzer's memory small; the code paths are the
	// same.
	saved, savedTotal := maxElems, maxTotalElems
	maxElems, maxTotalElems = 1<<18, 1<<20
	f.Cleanup(func() { maxElems, maxTotalElems = saved, savedTotal })
	seed := validModel().marshal()
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte{})
	f.Add([]byte{0x3a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0x78})
	// Every operator test graph seeds the corpus, so mutations reach each
	// operator's checks.
	for _, cases := range [][]opCase{moreCases(), elementwiseCases(), shapeCases(), indexCases(), resizeCases(), matMulCases(), convHandCases()} {
		for _, tc := range cases {
			f.Add(tc.g.marshal())
		}
	}
	// So do ONNX's node tests, which cover every operator and the models
	// that compile at their first run.
	for _, tc := range testbackend.GetAllRegisteredTests() {
		f.Add(tc().ModelB)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(data, WithThreads(2))
		if errors.Is(err, errInternal) {
			t.Fatalf("Load: %v", err)
		}
		if err != nil {
			return
		}
		var ins []*Tensor
		for _, info := range m.Inputs() {
			if numElems(info.Shape) > 1<<20 {
				return
			}
			ins = append(ins, newTensor(info.DType, info.Shape))
		}
		s := m.NewSession()
		defer s.Close()
		if _, err := s.Run(context.Background(), ins...); errors.Is(err, errInternal) {
			t.Fatalf("Run: %v", err)
		}
	})
}
