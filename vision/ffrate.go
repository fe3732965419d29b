package vision

import (
	"fmt"
	"math"
	"math/big"
)

// rateLimit bounds the terms of the frame-rate fraction the encoder pipe
// gives ffmpeg: FFmpeg keeps a rate's numerator and denominator within it
// (1001000, room for NTSC's x/1001 rates), so a fraction inside it reaches
// the file as written.
const rateLimit = 1001000

// ffmpegRate is the frame rate fps as the fraction num/den, both terms at
// most rateLimit, closest to fps. The encoder pipe writes it the same way
// on both its command lines (the YUV4MPEG2 header and -r, or rawvideo's
// -framerate, as "num:den", which FFmpeg reads exactly rather than as a
// decimal it would round its own way), so the two give one file
// (TestFFmpegPipeSameFileAsRawvideo): the video's time base, and so its
// bytes, depend on the rate's fraction.
func ffmpegRate(fps float64) (num, den int64, err error) {
	if !(fps > 0) || fps > rateLimit || math.IsInf(fps, 0) {
		return 0, 0, fmt.Errorf("vision: frame rate %v is not between 0 and %d frames/s", fps, rateLimit)
	}
	num, den = closestFraction(new(big.Rat).SetFloat64(fps), rateLimit)
	if num <= 0 {
		return 0, 0, fmt.Errorf("vision: frame rate %v is below 1/%d frames/s", fps, rateLimit)
	}
	return num, den, nil
}

// closestFraction is the fraction p/q closest to the positive r with p and
// q at most limit: the best rational approximation, which is one of r's
// continued-fraction convergents or semiconvergents. Exact arithmetic, so
// every float64 rate gets one answer.
func closestFraction(r *big.Rat, limit int64) (p, q int64) {
	n, d := new(big.Int).Set(r.Num()), new(big.Int).Set(r.Denom())
	// h/k are the last two convergents: h0/k0 before h1/k1.
	var h0, k0, h1, k1 int64 = 0, 1, 1, 0
	a, rem := new(big.Int), new(big.Int)
	for d.Sign() != 0 {
		a.QuoRem(n, d, rem)
		ai := limit + 1 // a term past limit takes a term past it either way (h1 >= 1)
		if a.IsInt64() && a.Int64() <= limit {
			ai = a.Int64()
		}
		h2, k2 := ai*h1+h0, ai*k1+k0
		if h2 > limit || k2 > limit {
			// The best semiconvergent: the largest step t <= ai that
			// keeps both terms within limit, taken when it is closer
			// than the last convergent.
			t := limit
			if h1 > 0 {
				t = min(t, (limit-h0)/h1)
			}
			if k1 > 0 {
				t = min(t, (limit-k0)/k1)
			}
			if t > 0 {
				sp, sq := t*h1+h0, t*k1+k0
				if k1 == 0 || closer(r, sp, sq, h1, k1) {
					return sp, sq
				}
			}
			break
		}
		h0, k0, h1, k1 = h1, k1, h2, k2
		n, d, rem = d, rem, n
	}
	if k1 == 0 {
		return 0, 1 // r exceeds limit: not reached, ffmpegRate bounds it
	}
	return h1, k1
}

// closer reports whether a/b is strictly closer to r than c/d.
func closer(r *big.Rat, a, b, c, d int64) bool {
	x := new(big.Rat).Sub(big.NewRat(a, b), r)
	y := new(big.Rat).Sub(big.NewRat(c, d), r)
	return x.Abs(x).Cmp(y.Abs(y)) < 0
}
