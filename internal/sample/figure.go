package sample

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/vector"

	"github.com/kneescreen/kneescreen/pose"
)

// Colours of the figure and the room.
var (
	colWallTop = color.RGBA{214, 220, 226, 255}
	colWallBot = color.RGBA{190, 198, 206, 255}
	colFloor   = color.RGBA{150, 128, 104, 255}
	colSkin    = color.RGBA{224, 172, 138, 255}
	colSkinDk  = color.RGBA{190, 136, 104, 255}
	colShirt   = color.RGBA{200, 50, 48, 255}
	colShirtDk = color.RGBA{150, 32, 32, 255}
	colPants   = color.RGBA{44, 62, 110, 255}
	colPantsDk = color.RGBA{28, 40, 76, 255}
	colShoe    = color.RGBA{40, 40, 40, 255}
	colSole    = color.RGBA{235, 235, 235, 255}
	colHair    = color.RGBA{70, 45, 30, 255}
	colEye     = color.RGBA{40, 30, 30, 255}
	colWhite   = color.RGBA{250, 250, 250, 255}
	colMouth   = color.RGBA{150, 60, 60, 255}
)

// painter draws anti-aliased shapes into an RGBA image, each in a
// rasteriser sized to its own bounding box.
type painter struct {
	dst *image.RGBA
	z   vector.Rasterizer
}

type pt struct{ x, y float64 }

func (p *painter) poly(c color.RGBA, pts ...pt) {
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, q := range pts {
		if math.IsNaN(q.x) || math.IsNaN(q.y) {
			return
		}
		minX, maxX = math.Min(minX, q.x), math.Max(maxX, q.x)
		minY, maxY = math.Min(minY, q.y), math.Max(maxY, q.y)
	}
	box := image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX))+1, int(math.Ceil(maxY))+1).Intersect(p.dst.Bounds())
	if box.Empty() {
		return
	}
	p.z.Reset(box.Dx(), box.Dy())
	p.z.DrawOp = draw.Over
	ox, oy := float64(box.Min.X), float64(box.Min.Y)
	p.z.MoveTo(float32(pts[0].x-ox), float32(pts[0].y-oy))
	for _, q := range pts[1:] {
		p.z.LineTo(float32(q.x-ox), float32(q.y-oy))
	}
	p.z.ClosePath()
	p.z.Draw(p.dst, box, image.NewUniform(c), image.Point{})
}

// ellipse draws an ellipse with radii rx, ry rotated by angle a.
func (p *painter) ellipse(c color.RGBA, cx, cy, rx, ry, a float64) {
	const n = 40
	pts := make([]pt, n)
	ca, sa := math.Cos(a), math.Sin(a)
	for i := range pts {
		t := 2 * math.Pi * float64(i) / n
		x, y := rx*math.Cos(t), ry*math.Sin(t)
		pts[i] = pt{cx + x*ca - y*sa, cy + x*sa + y*ca}
	}
	p.poly(c, pts...)
}

// capsule draws a limb from a to b, radius ra at a and rb at b, with a
// darker edge and a lighter band towards the light (from the top left), so
// it reads as a rounded shape rather than a flat stroke.
func (p *painter) capsule(light, dark color.RGBA, a, b pt, ra, rb float64) {
	p.capsuleFlat(dark, a, b, ra, rb)
	p.capsuleFlat(light, pt{a.x - ra*0.12, a.y - ra*0.05}, pt{b.x - rb*0.12, b.y - rb*0.05}, ra*0.78, rb*0.78)
	hl := mix(light, colWhite, 0.25)
	p.capsuleFlat(hl, pt{a.x - ra*0.35, a.y - ra*0.1}, pt{b.x - rb*0.35, b.y - rb*0.1}, ra*0.25, rb*0.25)
}

func (p *painter) capsuleFlat(c color.RGBA, a, b pt, ra, rb float64) {
	dx, dy := b.x-a.x, b.y-a.y
	l := math.Hypot(dx, dy)
	if l > 1e-6 {
		nx, ny := -dy/l, dx/l
		p.poly(c, pt{a.x + nx*ra, a.y + ny*ra}, pt{b.x + nx*rb, b.y + ny*rb}, pt{b.x - nx*rb, b.y - ny*rb}, pt{a.x - nx*ra, a.y - ny*ra})
	}
	p.ellipse(c, a.x, a.y, ra, ra, 0)
	p.ellipse(c, b.x, b.y, rb, rb, 0)
}

func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(float64(x)*(1-t) + float64(y)*t + 0.5) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 255}
}

// background paints the room: a wall with a soft vertical gradient and a
// floor starting at floorY.
func background(dst *image.RGBA, floorY int) {
	b := dst.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		c := colFloor
		if y < floorY {
			c = mix(colWallTop, colWallBot, float64(y-b.Min.Y)/float64(max(1, floorY-b.Min.Y)))
		}
		row := dst.Pix[dst.PixOffset(b.Min.X, y):][:4*b.Dx()]
		for x := 0; x < len(row); x += 4 {
			row[x], row[x+1], row[x+2], row[x+3] = c.R, c.G, c.B, 255
		}
	}
}

// drawFigure draws a person whose joints are at kp (pixels). Joints that are
// absent or have a NaN coordinate are skipped with the parts that need them.
func drawFigure(p *painter, kp map[pose.Joint]pt) {
	at := func(j pose.Joint) pt {
		if q, ok := kp[j]; ok {
			return q
		}
		return pt{math.NaN(), math.NaN()}
	}
	ok := func(js ...pose.Joint) bool {
		for _, j := range js {
			if q := at(j); math.IsNaN(q.x) || math.IsNaN(q.y) {
				return false
			}
		}
		return true
	}
	mid := func(a, b pt) pt { return pt{(a.x + b.x) / 2, (a.y + b.y) / 2} }
	// Body scale from the trunk length, which every view shows.
	ls, rs, lh, rh := at(pose.LeftShoulder), at(pose.RightShoulder), at(pose.LeftHip), at(pose.RightHip)
	trunk := math.Hypot(mid(ls, rs).x-mid(lh, rh).x, mid(ls, rs).y-mid(lh, rh).y)
	if !(trunk > 1) {
		return
	}
	u := trunk / 5 // about 10 cm

	// Legs first (behind the torso), then shoes.
	for _, s := range [2][3]pose.Joint{{pose.LeftHip, pose.LeftKnee, pose.LeftAnkle}, {pose.RightHip, pose.RightKnee, pose.RightAnkle}} {
		if !ok(s[0], s[1], s[2]) {
			continue
		}
		h, k, a := at(s[0]), at(s[1]), at(s[2])
		p.capsule(colPants, colPantsDk, h, k, 1.0*u, 0.72*u)
		p.capsule(colPants, colPantsDk, k, a, 0.7*u, 0.48*u)
		// Shoe: from the ankle down and a little forward (towards the
		// camera in a front view it is just below the ankle).
		p.ellipse(colShoe, a.x, a.y+0.45*u, 0.62*u, 0.42*u, 0)
		p.poly(colSole, pt{a.x - 0.62*u, a.y + 0.62*u}, pt{a.x + 0.62*u, a.y + 0.62*u}, pt{a.x + 0.6*u, a.y + 0.78*u}, pt{a.x - 0.6*u, a.y + 0.78*u})
	}
	// Torso: shirt from the shoulders to the hips, with a belt line.
	if ok(pose.LeftShoulder, pose.RightShoulder, pose.LeftHip, pose.RightHip) {
		ax, ay := rs.x-ls.x, rs.y-ls.y
		al := math.Hypot(ax, ay)
		// Outward direction along the shoulder line; in a side view the
		// shoulders overlap, so give the torso a depth of its own.
		ox, oy := 1.0, 0.0
		if al > 1e-6 {
			ox, oy = ax/al, ay/al
		}
		w := math.Max(0, 0.9*u-al/2) // minimum half-width
		sl := pt{ls.x - ox*(0.35*u+w), ls.y - oy*0.35*u}
		sr := pt{rs.x + ox*(0.35*u+w), rs.y + oy*0.35*u}
		hl := pt{lh.x - ox*(0.55*u+w*0.8), lh.y + 0.2*u}
		hr := pt{rh.x + ox*(0.55*u+w*0.8), rh.y + 0.2*u}
		p.poly(colShirtDk, sl, sr, hr, hl)
		p.poly(colShirt, pt{sl.x + ox*0.2*u, sl.y + 0.15*u}, pt{sr.x - ox*0.2*u, sr.y + 0.15*u}, pt{hr.x - ox*0.2*u, hr.y - 0.1*u}, pt{hl.x + ox*0.2*u, hl.y - 0.1*u})
		p.capsuleFlat(colPantsDk, pt{hl.x, hl.y}, pt{hr.x, hr.y}, 0.3*u, 0.3*u)
		// Neck.
		ms := mid(ls, rs)
		if ok(pose.Nose) {
			n := at(pose.Nose)
			p.capsule(colSkin, colSkinDk, ms, pt{ms.x + (n.x-ms.x)*0.6, ms.y + (n.y-ms.y)*0.6}, 0.55*u, 0.5*u)
		}
		// Shoulder caps.
		p.ellipse(colShirtDk, ls.x-ox*0.1*u, ls.y, 0.62*u, 0.62*u, 0)
		p.ellipse(colShirtDk, rs.x+ox*0.1*u, rs.y, 0.62*u, 0.62*u, 0)
	}
	// Arms: sleeve on the upper arm, skin on the forearm, a hand.
	for _, s := range [2][3]pose.Joint{{pose.LeftShoulder, pose.LeftElbow, pose.LeftWrist}, {pose.RightShoulder, pose.RightElbow, pose.RightWrist}} {
		if !ok(s[0], s[1], s[2]) {
			continue
		}
		sh, el, wr := at(s[0]), at(s[1]), at(s[2])
		p.capsule(colShirt, colShirtDk, sh, el, 0.6*u, 0.48*u)
		p.capsule(colSkin, colSkinDk, el, wr, 0.44*u, 0.34*u)
		dx, dy := wr.x-el.x, wr.y-el.y
		l := math.Max(1e-6, math.Hypot(dx, dy))
		p.ellipse(colSkinDk, wr.x+dx/l*0.35*u, wr.y+dy/l*0.35*u, 0.38*u, 0.3*u, math.Atan2(dy, dx))
		p.ellipse(colSkin, wr.x+dx/l*0.32*u, wr.y+dy/l*0.32*u, 0.3*u, 0.24*u, math.Atan2(dy, dx))
	}
	// Head: centred between the ears (or on the nose), hair on top, a
	// face on the side the nose is on.
	if ok(pose.Nose, pose.LeftEye, pose.RightEye) {
		n, le, re := at(pose.Nose), at(pose.LeftEye), at(pose.RightEye)
		c := mid(le, re)
		if ok(pose.LeftEar, pose.RightEar) {
			ears := mid(at(pose.LeftEar), at(pose.RightEar))
			c = pt{(c.x + ears.x + n.x) / 3, (c.y+ears.y)/2 + 0.05*u}
		}
		rx, ry := 1.1*u, 1.4*u
		p.ellipse(colHair, c.x, c.y-0.1*u, rx*1.05, ry*1.04, 0)
		p.ellipse(colSkinDk, c.x, c.y+0.12*u, rx*0.98, ry*0.95, 0)
		p.ellipse(colSkin, c.x-0.05*u, c.y+0.1*u, rx*0.9, ry*0.9, 0)
		// Hair fringe.
		p.ellipse(colHair, c.x, c.y-0.75*u, rx*0.95, 0.45*u, 0)
		// Ears.
		for _, e := range []pose.Joint{pose.LeftEar, pose.RightEar} {
			if ok(e) {
				q := at(e)
				p.ellipse(colSkinDk, q.x, q.y+0.1*u, 0.2*u, 0.32*u, 0)
			}
		}
		// Eyes, nose, mouth.
		for _, e := range []pt{le, re} {
			p.ellipse(colWhite, e.x, e.y, 0.2*u, 0.12*u, 0)
			p.ellipse(colEye, e.x, e.y, 0.1*u, 0.1*u, 0)
			p.capsuleFlat(colHair, pt{e.x - 0.2*u, e.y - 0.25*u}, pt{e.x + 0.2*u, e.y - 0.27*u}, 0.05*u, 0.05*u)
		}
		p.poly(colSkinDk, pt{n.x, n.y - 0.35*u}, pt{n.x + 0.14*u, n.y + 0.05*u}, pt{n.x - 0.14*u, n.y + 0.05*u})
		p.capsuleFlat(colMouth, pt{n.x - 0.22*u, n.y + 0.42*u}, pt{n.x + 0.22*u, n.y + 0.42*u}, 0.06*u, 0.06*u)
	}
}
