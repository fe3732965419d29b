package screening_test

import (
	"encoding"
	"encoding/json"
	"errors"
	"testing"

	"github.com/kneescreen/kneescreen/screening"
)

// TestUnmarshalText: configuration values are parsed once, into the typed
// options, as the Parse functions parse them; the values reports carry
// (unknown, both, "") read back too, and Validate keeps options to what
// the Parse functions accept.
func TestUnmarshalText(t *testing.T) {
	var (
		m  screening.Movement
		v  screening.View
		sd screening.Side
		sx screening.Sex
	)
	tests := []struct {
		dst  encoding.TextUnmarshaler
		in   string
		want any
		ok   bool
	}{
		{&m, "Step-Down ", screening.MovementStepDown, true},
		{&m, "", screening.MovementAuto, true},
		{&m, "unknown", screening.MovementUnknown, true},
		{&m, "jumping", nil, false},
		{&v, "front", screening.ViewFront, true},
		{&v, "", screening.ViewAuto, true},
		{&v, "oblique", screening.ViewOblique, true},
		{&v, "unknown", screening.ViewUnknown, true},
		{&v, "top", nil, false},
		{&sd, "LEFT", screening.SideLeft, true},
		{&sd, "auto", screening.SideAuto, true},
		{&sd, "both", screening.SideBoth, true},
		{&sd, "", screening.SideNone, true},
		{&sd, "middle", nil, false},
		{&sx, "female", screening.SexFemale, true},
		{&sx, "", screening.SexUnspecified, true},
		{&sx, "x", nil, false},
	}
	for _, tt := range tests {
		err := tt.dst.UnmarshalText([]byte(tt.in))
		if !tt.ok {
			if !errors.Is(err, screening.ErrInvalidOptions) {
				t.Errorf("%T %q: error %v, want ErrInvalidOptions", tt.dst, tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%T %q: %v", tt.dst, tt.in, err)
			continue
		}
		var got any
		switch d := tt.dst.(type) {
		case *screening.Movement:
			got = *d
		case *screening.View:
			got = *d
		case *screening.Side:
			got = *d
		case *screening.Sex:
			got = *d
		}
		if got != tt.want {
			t.Errorf("%T %q: %v, want %v", tt.dst, tt.in, got, tt.want)
		}
	}
	// Report values are not options.
	for _, mod := range []func(*screening.Options){
		func(o *screening.Options) { o.Movement = screening.MovementUnknown },
		func(o *screening.Options) { o.View = screening.ViewUnknown },
		func(o *screening.Options) { o.Stance = screening.SideBoth },
	} {
		o := screening.DefaultOptions()
		mod(&o)
		if err := o.Validate(); !errors.Is(err, screening.ErrInvalidOptions) {
			t.Errorf("options %+v validate: %v, want ErrInvalidOptions", o, err)
		}
	}
	// A report's enum fields round-trip through JSON.
	in := screening.Report{Movement: screening.MovementUnknown, View: screening.ViewUnknown, Stance: screening.SideBoth,
		Indicators: []screening.Indicator{{Side: screening.SideNone, Level: screening.LevelOK}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var back screening.Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Movement != in.Movement || back.View != in.View || back.Stance != in.Stance || back.Indicators[0].Side != screening.SideNone {
		t.Errorf("round trip: %v %v %v %q", back.Movement, back.View, back.Stance, back.Indicators[0].Side)
	}
}
