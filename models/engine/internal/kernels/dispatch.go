package kernels

// Impl names one implementation of the kernels.
type Impl int

// The implementations, narrowest first.
const (
	ImplGo     Impl = iota // portable Go, always available
	ImplAVX2               // AVX2 + FMA assembly
	ImplAVX512             // AVX-512F assembly
)

// String returns the short name used in benchmark and log output.
func (i Impl) String() string {
	switch i {
	case ImplAVX2:
		return "avx2"
	case ImplAVX512:
		return "avx512"
	default:
		return "go"
	}
}

// impl is the implementation in use. It is chosen once from the CPU's
// features; tests switch it to cover every path.
var impl = bestImpl()

// Current returns the implementation the kernels use on this machine.
func Current() Impl { return impl }

// Available lists the implementations this machine and build can run,
// narrowest first.
func Available() []Impl {
	out := []Impl{ImplGo}
	for _, i := range []Impl{ImplAVX2, ImplAVX512} {
		if i <= bestImpl() {
			out = append(out, i)
		}
	}
	return out
}
