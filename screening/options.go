package screening

import (
	"fmt"
	"math"
)

// Options control an analysis. The zero value is not valid; start from
// DefaultOptions and override.
type Options struct {
	// Movement is the screened task, or MovementAuto to classify it.
	Movement Movement `json:"movement" mapstructure:"movement"`
	// View is the camera view, or ViewAuto to classify it.
	View View `json:"view" mapstructure:"view"`
	// Stance is the stance leg of single-leg tasks, or SideAuto.
	Stance Side `json:"stance" mapstructure:"stance"`
	// Sex selects sex-specific FPPA thresholds.
	Sex Sex `json:"sex" mapstructure:"sex"`
	// Thresholds grade the indicators.
	Thresholds Thresholds `json:"thresholds" mapstructure:"thresholds"`
	// Filter conditions the raw track.
	Filter FilterOptions `json:"filter" mapstructure:"filter"`
	// SourcePath is copied into the report's source info.
	SourcePath string `json:"source_path" mapstructure:"-"`
}

// FilterMode chooses the smoothing filter.
type FilterMode string

// Filter modes.
const (
	// FilterButterworth is a zero-phase low-pass Butterworth (filtfilt):
	// best for recorded video, where the whole track is known.
	FilterButterworth FilterMode = "butterworth"
	// FilterOneEuro is the causal One-Euro filter (Casiez 2012): for live
	// use, where future frames are not yet known.
	FilterOneEuro FilterMode = "one_euro"
	// FilterNone leaves the keypoints unsmoothed (gap filling and outlier
	// rejection still apply).
	FilterNone FilterMode = "none"
)

// FilterOptions configure track conditioning. Config keys are
// "filter.<mapstructure tag>".
type FilterOptions struct {
	// MinScore drops keypoints scored below it (default 0.3).
	MinScore float64 `json:"min_score" mapstructure:"min_score"`
	// MaxGapS is the longest gap, in seconds, filled by interpolation
	// (default 0.3); longer gaps stay missing.
	MaxGapS float64 `json:"max_gap_s" mapstructure:"max_gap_s"`
	// HampelWindowS is the half-width in seconds of the Hampel outlier
	// window (default 0.2) and HampelSigmas its threshold in robust
	// standard deviations (default 3); HampelSigmas 0 disables it.
	HampelWindowS float64 `json:"hampel_window_s" mapstructure:"hampel_window_s"`
	HampelSigmas  float64 `json:"hampel_sigmas" mapstructure:"hampel_sigmas"`
	// Mode selects the smoother (default butterworth).
	Mode FilterMode `json:"mode" mapstructure:"mode"`
	// CutoffHz and Order configure the Butterworth low-pass (default 6 Hz,
	// 4th order). The cutoff is lowered to 0.4 × the frame rate when the
	// frame rate cannot support it; the report notes that.
	CutoffHz float64 `json:"cutoff_hz" mapstructure:"cutoff_hz"`
	Order    int     `json:"order" mapstructure:"order"`
	// OneEuroMinCutoffHz, OneEuroBeta and OneEuroDCutoffHz configure the
	// One-Euro filter (defaults 1.0 Hz, 0.05, 1.0 Hz, for pixel units
	// normalised by image height).
	OneEuroMinCutoffHz float64 `json:"one_euro_min_cutoff_hz" mapstructure:"one_euro_min_cutoff_hz"`
	OneEuroBeta        float64 `json:"one_euro_beta" mapstructure:"one_euro_beta"`
	OneEuroDCutoffHz   float64 `json:"one_euro_d_cutoff_hz" mapstructure:"one_euro_d_cutoff_hz"`
	// FixSwaps enables detection and correction of sudden left/right leg
	// swaps (default true).
	FixSwaps bool `json:"fix_swaps" mapstructure:"fix_swaps"`
}

// DefaultFilterOptions returns the documented defaults.
func DefaultFilterOptions() FilterOptions {
	return FilterOptions{
		MinScore:           0.3,
		MaxGapS:            0.3,
		HampelWindowS:      0.2,
		HampelSigmas:       3,
		Mode:               FilterButterworth,
		CutoffHz:           6,
		Order:              4,
		OneEuroMinCutoffHz: 1.0,
		OneEuroBeta:        0.05,
		OneEuroDCutoffHz:   1.0,
		FixSwaps:           true,
	}
}

// DefaultOptions returns options with everything automatic and every
// threshold and filter setting at its default.
func DefaultOptions() Options {
	return Options{
		Movement:   MovementAuto,
		View:       ViewAuto,
		Stance:     SideAuto,
		Sex:        SexUnspecified,
		Thresholds: DefaultThresholds(),
		Filter:     DefaultFilterOptions(),
	}
}

// Validate checks the options; errors wrap ErrInvalidOptions.
func (o *Options) Validate() error {
	if _, err := ParseMovement(string(o.Movement)); err != nil {
		return err
	}
	if _, err := ParseView(string(o.View)); err != nil {
		return err
	}
	if _, err := ParseStance(string(o.Stance)); err != nil {
		return err
	}
	if _, err := ParseSex(string(o.Sex)); err != nil {
		return err
	}
	if err := o.Thresholds.Validate(); err != nil {
		return err
	}
	return o.Filter.Validate()
}

// Validate checks the filter settings; errors wrap ErrInvalidOptions.
func (f *FilterOptions) Validate() error {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("screening: filter.%s = %v: want %s: %w", name, v, want, ErrInvalidOptions)
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case !finite(f.MinScore) || f.MinScore < 0 || f.MinScore > 1:
		return bad("min_score", f.MinScore, "0..1")
	case !finite(f.MaxGapS) || f.MaxGapS < 0 || f.MaxGapS > 5:
		return bad("max_gap_s", f.MaxGapS, "0..5 s")
	case !finite(f.HampelWindowS) || f.HampelWindowS < 0 || f.HampelWindowS > 5:
		return bad("hampel_window_s", f.HampelWindowS, "0..5 s")
	case !finite(f.HampelSigmas) || f.HampelSigmas < 0:
		return bad("hampel_sigmas", f.HampelSigmas, "≥ 0 (0 disables)")
	}
	switch f.Mode {
	case FilterButterworth:
		if !finite(f.CutoffHz) || f.CutoffHz <= 0 {
			return bad("cutoff_hz", f.CutoffHz, "> 0 Hz")
		}
		if f.Order < 1 || f.Order > 10 {
			return bad("order", f.Order, "1..10")
		}
	case FilterOneEuro:
		if !finite(f.OneEuroMinCutoffHz) || f.OneEuroMinCutoffHz <= 0 {
			return bad("one_euro_min_cutoff_hz", f.OneEuroMinCutoffHz, "> 0 Hz")
		}
		if !finite(f.OneEuroBeta) || f.OneEuroBeta < 0 {
			return bad("one_euro_beta", f.OneEuroBeta, "≥ 0")
		}
		if !finite(f.OneEuroDCutoffHz) || f.OneEuroDCutoffHz <= 0 {
			return bad("one_euro_d_cutoff_hz", f.OneEuroDCutoffHz, "> 0 Hz")
		}
	case FilterNone:
	default:
		return bad("mode", f.Mode, "butterworth, one_euro or none")
	}
	return nil
}
