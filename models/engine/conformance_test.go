package engine

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/owulveryck/onnx-go/backend/testbackend"
	_ "github.com/owulveryck/onnx-go/backend/testbackend/onnx" // registers ONNX's node tests
)

var update = flag.Bool("update", false, "rewrite testdata/conformance.md from the ONNX node tests")

// conformanceFile is the table TestONNXConformance keeps current.
const conformanceFile = "testdata/conformance.md"

// minConformancePass is the number of ONNX node tests the engine must pass.
const minConformancePass = 300

// ONNX's backend tests compare with numpy's allclose at these tolerances
// (onnx/backend/test/runner: rtol 1e-3, atol 1e-7).
const (
	conformanceRTol = 1e-3
	conformanceATol = 1e-7
)

type conformanceStatus string

const (
	statusPass        conformanceStatus = "pass"
	statusUnsupported conformanceStatus = "unsupported" // the operator is not implemented
	statusRefused     conformanceStatus = "refused"     // a supported operator on an element type the engine lacks
	statusWrong       conformanceStatus = "wrong"       // a value differs from ONNX's
	statusFailed      conformanceStatus = "failed"      // any other error
)

type conformanceResult struct {
	op, title string
	status    conformanceStatus
	detail    string
}

// TestONNXConformance runs ONNX's own node tests (as onnx-go v0.5.0
// exports them) on the engine, asserts that none gives a wrong value, that
// every case of a supported operator passes or is refused for an element
// type the engine does not have, and that at least minConformancePass pass;
// and keeps testdata/conformance.md current (-update rewrites it).
func TestONNXConformance(t *testing.T) {
	var results []conformanceResult
	for _, f := range testbackend.GetAllRegisteredTests() {
		tc := f()
		st, detail := runConformanceCase(tc)
		results = append(results, conformanceResult{op: tc.OpType, title: tc.Title, status: st, detail: detail})
	}
	sort.Slice(results, func(i, j int) bool { return results[i].title < results[j].title })
	supported := map[string]bool{}
	for _, op := range SupportedOps() {
		supported[op] = true
	}
	pass := 0
	for _, r := range results {
		switch r.status {
		case statusPass:
			pass++
		case statusWrong, statusFailed:
			t.Errorf("%s (%s): %s: %s", r.title, r.op, r.status, r.detail)
		case statusUnsupported:
			if supported[r.op] {
				t.Errorf("%s: %s is supported but the case reports it unsupported: %s", r.title, r.op, r.detail)
			}
		}
	}
	if pass < minConformancePass {
		t.Errorf("%d of %d ONNX node tests pass, want at least %d", pass, len(results), minConformancePass)
	}
	t.Logf("%d of %d ONNX node tests pass", pass, len(results))
	table := conformanceTable(results)
	if *update {
		if err := os.WriteFile(conformanceFile, table, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	old, err := os.ReadFile(conformanceFile)
	if err != nil {
		t.Fatalf("%v (run: go test ./models/engine -run TestONNXConformance -update)", err)
	}
	if !bytes.Equal(old, table) {
		t.Errorf("%s is stale: run go test ./models/engine -run TestONNXConformance -update", conformanceFile)
	}
}

// runConformanceCase loads and runs one node test and compares its outputs.
func runConformanceCase(tc *testbackend.TestCase) (st conformanceStatus, detail string) {
	defer func() {
		if r := recover(); r != nil {
			st, detail = statusFailed, fmt.Sprint("panic: ", r)
		}
	}()
	classify := func(err error) (conformanceStatus, string) {
		switch {
		case errors.Is(err, ErrUnsupportedOp):
			return statusUnsupported, err.Error()
		case errors.Is(err, ErrUnsupportedType):
			return statusRefused, err.Error()
		}
		return statusFailed, err.Error()
	}
	m, err := Load(tc.ModelB, WithThreads(2))
	if err != nil {
		if !slices.Contains(SupportedOps(), tc.OpType) {
			// onnx-go cannot decode some operators' attributes (Scan's
			// subgraph); they are unsupported whatever the error.
			return statusUnsupported, err.Error()
		}
		return classify(err)
	}
	defer m.Close()
	var ins []*Tensor
	for i, x := range tc.Input {
		et, err := fromGorgonia(x)
		if err != nil {
			return classify(fmt.Errorf("input %d: %w", i, err))
		}
		ins = append(ins, fitDeclared(et, m.Inputs()[i]))
	}
	outs, err := m.Run(context.Background(), ins...)
	if err != nil {
		return classify(err)
	}
	if len(outs) != len(tc.ExpectedOutput) {
		return statusWrong, fmt.Sprintf("%d outputs, want %d", len(outs), len(tc.ExpectedOutput))
	}
	for i, w := range tc.ExpectedOutput {
		want, err := fromGorgonia(w)
		if err != nil {
			return classify(fmt.Errorf("expected output %d: %w", i, err))
		}
		got := outs[i]
		if numElems(got.Shape) != numElems(want.Shape) || (len(want.Shape) > 1 && !slices.Equal(got.Shape, want.Shape)) {
			return statusWrong, fmt.Sprintf("output %d is %v, want %v", i, got, want)
		}
		g, e := got.floats(), want.floats()
		if got.DType != Float32 && want.DType != Float32 {
			g, e = nil, nil
			for j, v := range got.ints() {
				if w := want.ints()[j]; v != w {
					return statusWrong, fmt.Sprintf("output %d element %d is %d, want %d", i, j, v, w)
				}
			}
		}
		for j := range g {
			a, b := float64(g[j]), float64(e[j])
			if math.IsNaN(a) && math.IsNaN(b) || a == b {
				continue
			}
			if !(math.Abs(a-b) <= conformanceATol+conformanceRTol*math.Abs(b)) {
				return statusWrong, fmt.Sprintf("output %d element %d is %g, want %g", i, j, a, b)
			}
		}
	}
	return statusPass, ""
}

// fitDeclared adapts a test input to the type and shape the model declares
// where onnx-go's export of ONNX's test data lost them: it writes rank-0
// tensors as rank 1 and one-element int64 tensors as float32. Only a single
// element is ever adapted, and only when the value is an exact integer.
func fitDeclared(t *Tensor, want Info) *Tensor {
	if t.Len() != 1 || numElems(want.Shape) != 1 {
		return t
	}
	out := t.clone()
	out.Shape = append([]int(nil), want.Shape...)
	if t.DType == Float32 && want.DType != Float32 {
		v := t.F32[0]
		if v != float32(math.Trunc(float64(v))) {
			return t
		}
		out = newTensor(want.DType, want.Shape)
		castInto(out, t)
	}
	return out
}

// conformanceTable renders the results: totals, one row per operator, and
// the cases that do not pass.
func conformanceTable(results []conformanceResult) []byte {
	var b strings.Builder
	total := map[conformanceStatus]int{}
	type opRow struct{ cases, pass, unsup, refused, other int }
	ops := map[string]*opRow{}
	for _, r := range results {
		total[r.status]++
		row := ops[r.op]
		if row == nil {
			row = &opRow{}
			ops[r.op] = row
		}
		row.cases++
		switch r.status {
		case statusPass:
			row.pass++
		case statusUnsupported:
			row.unsup++
		case statusRefused:
			row.refused++
		default:
			row.other++
		}
	}
	fmt.Fprintf(&b, "# ONNX node tests on the engine\n\n")
	fmt.Fprintf(&b, "ONNX's own operator tests as github.com/owulveryck/onnx-go v0.5.0 exports them\n")
	fmt.Fprintf(&b, "(backend/testbackend/onnx), run by TestONNXConformance, which keeps this file\n")
	fmt.Fprintf(&b, "current (`go test ./models/engine -run TestONNXConformance -update`). Values are\n")
	fmt.Fprintf(&b, "compared as ONNX's runner does (rtol 1e-3, atol 1e-7).\n\n")
	fmt.Fprintf(&b, "| status | cases | meaning |\n|---|---|---|\n")
	fmt.Fprintf(&b, "| pass | %d | every output matches |\n", total[statusPass])
	fmt.Fprintf(&b, "| unsupported | %d | the engine lacks the operator |\n", total[statusUnsupported])
	fmt.Fprintf(&b, "| refused | %d | a supported operator on an element type the engine lacks (float32, int32, int64 only) |\n", total[statusRefused])
	fmt.Fprintf(&b, "| wrong or failed | %d | must be 0 |\n", total[statusWrong]+total[statusFailed])
	fmt.Fprintf(&b, "| **total** | **%d** | |\n\n", len(results))
	names := make([]string, 0, len(ops))
	for op := range ops {
		names = append(names, op)
	}
	sort.Strings(names)
	fmt.Fprintf(&b, "| operator | cases | pass | unsupported | refused | wrong or failed |\n|---|---|---|---|---|---|\n")
	for _, op := range names {
		r := ops[op]
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d |\n", op, r.cases, r.pass, r.unsup, r.refused, r.other)
	}
	fmt.Fprintf(&b, "\n## Cases that do not pass\n\n| case | operator | status |\n|---|---|---|\n")
	for _, r := range results {
		if r.status != statusPass {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", r.title, r.op, r.status)
		}
	}
	return []byte(b.String())
}
