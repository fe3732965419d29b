package pose

import (
	"fmt"
	"strings"
)

// Joint names a body landmark as its model's skeleton spells it, in
// snake_case ("left_knee", "left_foot_index"). Code that needs a joint asks
// a Skeleton for it by name, so a model with more or fewer landmarks changes
// no code: a joint the skeleton lacks is simply absent.
type Joint string

// Joints that kneescreen's screening and drawing ask for by name. The
// COCO-17 joints are shared by every supported skeleton; the feet are
// BlazePose's.
const (
	Nose          Joint = "nose"
	LeftEye       Joint = "left_eye"
	RightEye      Joint = "right_eye"
	LeftEar       Joint = "left_ear"
	RightEar      Joint = "right_ear"
	LeftShoulder  Joint = "left_shoulder"
	RightShoulder Joint = "right_shoulder"
	LeftElbow     Joint = "left_elbow"
	RightElbow    Joint = "right_elbow"
	LeftWrist     Joint = "left_wrist"
	RightWrist    Joint = "right_wrist"
	LeftHip       Joint = "left_hip"
	RightHip      Joint = "right_hip"
	LeftKnee      Joint = "left_knee"
	RightKnee     Joint = "right_knee"
	LeftAnkle     Joint = "left_ankle"
	RightAnkle    Joint = "right_ankle"

	LeftHeel       Joint = "left_heel"
	RightHeel      Joint = "right_heel"
	LeftFootIndex  Joint = "left_foot_index"
	RightFootIndex Joint = "right_foot_index"
)

// Skeleton is one model's set of landmarks: their names in the order the
// model emits them, which joint each becomes in a horizontally mirrored
// image, and the bones drawn between them. A Skeleton is immutable and safe
// for concurrent use; models share one value (COCO17, BlazePose33).
type Skeleton struct {
	name   string
	joints []Joint
	index  map[Joint]int
	mirror []int
	bones  [][2]int
}

// SkeletonSpec is the data a Skeleton is made from.
type SkeletonSpec struct {
	// Name identifies the skeleton ("coco17"); it is what a serialised
	// track records.
	Name string
	// Joints in the model's output order.
	Joints []Joint
	// Mirror pairs the joints that swap in a mirrored image (left and
	// right of the body); joints in no pair (nose) map to themselves.
	Mirror [][2]Joint
	// Bones are the segments drawn between joints.
	Bones [][2]Joint
}

// NewSkeleton checks spec and returns its Skeleton: names must be unique and
// non-empty, and every pair and bone must name joints of the skeleton, each
// joint in at most one mirror pair.
func NewSkeleton(spec SkeletonSpec) (*Skeleton, error) {
	if spec.Name == "" {
		return nil, fmt.Errorf("pose: skeleton without a name")
	}
	s := &Skeleton{name: spec.Name, joints: append([]Joint(nil), spec.Joints...),
		index: make(map[Joint]int, len(spec.Joints)), mirror: make([]int, len(spec.Joints))}
	for i, j := range s.joints {
		if j == "" {
			return nil, fmt.Errorf("pose: skeleton %s: joint %d has no name", s.name, i)
		}
		if _, dup := s.index[j]; dup {
			return nil, fmt.Errorf("pose: skeleton %s: joint %q listed twice", s.name, j)
		}
		s.index[j] = i
		s.mirror[i] = i
	}
	lookup := func(what string, j Joint) (int, error) {
		i, ok := s.index[j]
		if !ok {
			return 0, fmt.Errorf("pose: skeleton %s: %s names unknown joint %q", s.name, what, j)
		}
		return i, nil
	}
	for _, pr := range spec.Mirror {
		a, err := lookup("mirror pair", pr[0])
		if err != nil {
			return nil, err
		}
		b, err := lookup("mirror pair", pr[1])
		if err != nil {
			return nil, err
		}
		if a == b || s.mirror[a] != a || s.mirror[b] != b {
			return nil, fmt.Errorf("pose: skeleton %s: mirror pair %s-%s: a joint pairs with one other joint only", s.name, pr[0], pr[1])
		}
		s.mirror[a], s.mirror[b] = b, a
	}
	for _, bn := range spec.Bones {
		a, err := lookup("bone", bn[0])
		if err != nil {
			return nil, err
		}
		b, err := lookup("bone", bn[1])
		if err != nil {
			return nil, err
		}
		s.bones = append(s.bones, [2]int{a, b})
	}
	return s, nil
}

// mustSkeleton is NewSkeleton for the built-in tables, whose tests prove
// them valid.
func mustSkeleton(spec SkeletonSpec) *Skeleton {
	s, err := NewSkeleton(spec)
	if err != nil {
		panic(err)
	}
	return s
}

// Name identifies the skeleton ("coco17", "blazepose33").
func (s *Skeleton) Name() string { return s.name }

// String returns the name.
func (s *Skeleton) String() string { return s.name }

// Len is the number of joints.
func (s *Skeleton) Len() int { return len(s.joints) }

// Joint returns the name of joint i (0 <= i < Len).
func (s *Skeleton) Joint(i int) Joint { return s.joints[i] }

// Joints returns the joint names in order (a copy).
func (s *Skeleton) Joints() []Joint { return append([]Joint(nil), s.joints...) }

// Index returns the position of joint j, and false when the skeleton has no
// such joint.
func (s *Skeleton) Index(j Joint) (int, bool) {
	if s == nil {
		return 0, false
	}
	i, ok := s.index[j]
	return i, ok
}

// Has reports whether the skeleton has joint j.
func (s *Skeleton) Has(j Joint) bool {
	_, ok := s.Index(j)
	return ok
}

// Mirror returns the position of the joint that joint i becomes in a
// horizontally mirrored image (its own position for a joint on the
// midline).
func (s *Skeleton) Mirror(i int) int { return s.mirror[i] }

// Bones returns the segments between joints, as positions (a copy).
func (s *Skeleton) Bones() [][2]int { return append([][2]int(nil), s.bones...) }

// MarshalText records the skeleton by name.
func (s *Skeleton) MarshalText() ([]byte, error) { return []byte(s.name), nil }

// UnmarshalText restores a built-in skeleton from its name (see
// SkeletonNamed).
func (s *Skeleton) UnmarshalText(b []byte) error {
	k, err := SkeletonNamed(string(b))
	if err != nil {
		return err
	}
	*s = *k
	return nil
}

// Same reports whether s and o describe the same joints in the same order
// (the same built-in skeleton, also after a JSON round trip).
func (s *Skeleton) Same(o *Skeleton) bool {
	if s == o {
		return true
	}
	if s == nil || o == nil || s.name != o.name || len(s.joints) != len(o.joints) {
		return false
	}
	for i, j := range s.joints {
		if o.joints[i] != j {
			return false
		}
	}
	return true
}

// builtin lists the skeletons SkeletonNamed knows.
var builtin = []*Skeleton{COCO17, BlazePose33}

// SkeletonNamed returns the built-in skeleton with the given name.
func SkeletonNamed(name string) (*Skeleton, error) {
	for _, s := range builtin {
		if s.name == name {
			return s, nil
		}
	}
	names := make([]string, len(builtin))
	for i, s := range builtin {
		names[i] = s.name
	}
	return nil, fmt.Errorf("pose: unknown skeleton %q (want %s)", name, strings.Join(names, " or "))
}
