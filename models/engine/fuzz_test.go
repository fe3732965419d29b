package engine

import (
	"context"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to Load: it must return a model or an
// error, never panic, and a model that loads must run on zero inputs
// without panicking.
func FuzzLoad(f *testing.F) {
	seed := validModel().marshal()
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add([]byte{})
	f.Add([]byte{0x3a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0x78})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(data, WithThreads(2))
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
		_, _ = s.Run(context.Background(), ins...)
	})
}
