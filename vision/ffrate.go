package vision

import (
	"fmt"
	"math"
)

// ffmpegRate is the rational frame rate FFmpeg makes of fps when it parses
// it as a number (av_parse_video_rate: av_d2q(fps, 1001000)), ported so
// that the y4m header the encoder pipe sends names the same rate the
// former -framerate option gave: the video's time base, and so its bytes,
// depend on it (59.94 is 2997/50; a header saying 30/1 beside -r 59.94
// gave another file).
func ffmpegRate(fps float64) (num, den int64, err error) {
	num, den = d2q(fps, 1001000)
	if num <= 0 || den <= 0 {
		return 0, 0, fmt.Errorf("vision: frame rate %v has no rational form FFmpeg takes", fps)
	}
	return num, den, nil
}

// d2q is libavutil's av_d2q.
func d2q(d float64, limit int64) (num, den int64) {
	if math.IsNaN(d) {
		return 0, 0
	}
	if math.Abs(d) > math.MaxInt32+3 {
		if d < 0 {
			return -1, 0
		}
		return 1, 0
	}
	_, exp := math.Frexp(d)
	e := max(int64(exp)-1, 0)
	den = 1 << (62 - e)
	n := int64(math.Floor(d*float64(den) + 0.5))
	num, den, _ = reduce(n, den, limit)
	if (num == 0 || den == 0) && d != 0 && limit > 0 && limit < math.MaxInt32 {
		num, den, _ = reduce(n, den, math.MaxInt32)
	}
	return num, den
}

// reduce is libavutil's av_reduce: num/den as the closest fraction whose
// terms are at most limit (a continued fraction), and whether it is exact.
func reduce(num, den, limit int64) (rn, rd int64, exact bool) {
	a0n, a0d := int64(0), int64(1)
	a1n, a1d := int64(1), int64(0)
	sign := (num < 0) != (den < 0)
	if num < 0 {
		num = -num
	}
	if den < 0 {
		den = -den
	}
	if g := gcd(num, den); g != 0 {
		num, den = num/g, den/g
	}
	if num <= limit && den <= limit {
		a1n, a1d = num, den
		den = 0
	}
	for den != 0 {
		x := uint64(num / den)
		next := num - den*int64(x)
		a2n := int64(x)*a1n + a0n
		a2d := int64(x)*a1d + a0d
		if a2n > limit || a2d > limit {
			if a1n != 0 {
				x = uint64((limit - a0n) / a1n)
			}
			if a1d != 0 {
				x = min(x, uint64((limit-a0d)/a1d))
			}
			if uint64(den)*(2*x*uint64(a1d)+uint64(a0d)) > uint64(num*a1d) {
				a1n, a1d = int64(x)*a1n+a0n, int64(x)*a1d+a0d
			}
			break
		}
		a0n, a0d = a1n, a1d
		a1n, a1d = a2n, a2d
		num, den = den, next
	}
	if sign {
		a1n = -a1n
	}
	return a1n, a1d, den == 0
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
