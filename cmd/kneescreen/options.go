package main

// The flag sets that several commands share, each declared once as a typed
// struct (decoded from the command's own configuration section) and an
// addXFlags function that declares and binds its flags. A command embeds
// the structs it needs in its Config with `mapstructure:",squash"`.

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/models"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/screening"
	"github.com/kneescreen/kneescreen/vision"
)

// ModelConfig selects the pose model and how it runs (analyze, pose,
// bench).
type ModelConfig struct {
	// Model is "lightning" (embedded), "thunder", "blazepose",
	// "blazepose-lite", "blazepose-heavy" or the path of an .onnx file
	// with MoveNet's signature.
	Model string `mapstructure:"model"`
	// ModelsDir is where thunder and BlazePose are looked up; "" means the
	// default under the user's cache directory.
	ModelsDir string `mapstructure:"models-dir"`
	// Threads caps the inference threads; 0 means all CPUs.
	Threads int `mapstructure:"threads"`
}

// Validate implements validator.
func (c *ModelConfig) Validate() error {
	if c.Model == "" {
		return fmt.Errorf("--model must not be empty (lightning, thunder, blazepose, blazepose-lite, blazepose-heavy or an .onnx path)")
	}
	return checkParallel("--threads", "all CPUs", c.Threads)
}

// maxParallel is the largest --threads, --lanes or --jobs accepted: four
// times the CPUs the process may use, and at least 8. More gains nothing
// (the pose pass is bound by the CPUs) and costs memory: every lane holds
// an estimator's buffers, and an unbounded count once grew until the
// kernel killed the process.
func maxParallel() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// checkParallel checks a count of threads, lanes or jobs: 0 (meaning
// zero) or 1 to maxParallel.
func checkParallel(flag, zero string, n int) error {
	if n < 0 || n > maxParallel() {
		return fmt.Errorf("%s must be 0 (%s) to %d (4 × the %d CPUs), got %d", flag, zero, maxParallel(), runtime.GOMAXPROCS(0), n)
	}
	return nil
}

// threads is the effective thread count.
func (c *ModelConfig) threads() int {
	if c.Threads > 0 {
		return c.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// addModelFlags declares --model, --models-dir and --threads on cmd, bound
// to section's keys. The models directory can also be set for every command
// at once with KNEESCREEN_MODELS_DIR.
func addModelFlags(app *App, cmd *cobra.Command, section string) {
	fs := cmd.Flags()
	fs.String("model", models.Lightning, "pose `model`: lightning (built in, fast), thunder (more accurate), blazepose, blazepose-lite or blazepose-heavy (33 landmarks with heels and toes: the foot metrics), or the path of a MoveNet .onnx file; all but lightning are converted by 'make models'")
	fs.String("models-dir", "", "`dir`ectory holding converted models such as thunder and blazepose (default: kneescreen/models in the user cache directory; env KNEESCREEN_MODELS_DIR)")
	fs.Int("threads", 0, "inference threads (0: all CPUs)")
	bindFlags(fs, section, "model", "models-dir", "threads")
	// The per-command variable wins over the shared one.
	_ = app.v.BindEnv(section+".models-dir", envKey(section+".models-dir"), envPrefix+"_MODELS_DIR")
}

// PassConfig configures the pose pass over a video (analyze, pose).
type PassConfig struct {
	// Symmetric averages each frame's pose with its mirror image's.
	Symmetric bool `mapstructure:"symmetric"`
	// Lanes is the number of estimators run in parallel (0: one per CPU).
	Lanes int `mapstructure:"lanes"`
	// EstimateHz, when positive, is the lowest rate at which frames are
	// estimated, the frames between interpolated (0: every frame; see
	// pipeline.TrackOptions.EstimateHz, which says what it costs).
	EstimateHz float64 `mapstructure:"estimate-hz"`
}

// maxEstimateHz bounds --estimate-hz: no video is faster, and a larger
// number is a typo.
const maxEstimateHz = 1000

// Validate implements validator.
func (c *PassConfig) Validate() error {
	if !(c.EstimateHz >= 0 && c.EstimateHz <= maxEstimateHz) {
		return fmt.Errorf("--estimate-hz must be 0 (every frame) to %d, got %v", maxEstimateHz, c.EstimateHz)
	}
	return checkParallel("--lanes", "one per CPU", c.Lanes)
}

// addPassFlags declares --symmetric, --lanes and --estimate-hz.
func addPassFlags(cmd *cobra.Command, section string) {
	fs := cmd.Flags()
	addSymmetricFlag(fs, section)
	fs.Int("lanes", 0, "pose estimators run in parallel (0: one per CPU)")
	fs.Float64("estimate-hz", 0, "estimate poses at this rate or faster and interpolate the frames between: faster, less accurate (0: every frame)")
	bindFlags(fs, section, "lanes", "estimate-hz")
}

// addSymmetricFlag declares --symmetric (PassConfig.Symmetric; serve and
// worker take it alone).
func addSymmetricFlag(fs *pflag.FlagSet, section string) {
	fs.Bool("symmetric", true, "average each frame's pose with its mirror image's (left/right-symmetric results, twice the inference)")
	bindFlags(fs, section, "symmetric")
}

// trackOptions is the pose pass of a model with these settings, drawing
// its threads from budget when one is given.
func (c *PassConfig) trackOptions(m Model, threads int, budget *pipeline.Budget) pipeline.TrackOptions {
	return pipeline.TrackOptions{NewEstimator: estimators(m), Symmetric: c.Symmetric, Lanes: c.Lanes, Threads: threads, Budget: budget, EstimateHz: c.EstimateHz}
}

// ScreeningConfig is what is screened (analyze). The values are typed and
// parsed when the configuration is decoded.
type ScreeningConfig struct {
	Movement screening.Movement `mapstructure:"movement"`
	View     screening.View     `mapstructure:"view"`
	Stance   screening.Side     `mapstructure:"stance"`
	Sex      screening.Sex      `mapstructure:"sex"`
}

// Validate implements validator: the values must be options (not values
// only reports carry), and the CLI does not offer the oblique view.
func (c *ScreeningConfig) Validate() error {
	if c.View == screening.ViewOblique {
		return fmt.Errorf("view %q: want auto, front or side", c.View)
	}
	o := screening.DefaultOptions()
	c.apply(&o)
	return o.Validate()
}

// apply sets the screened movement, view, stance and sex of o.
func (c *ScreeningConfig) apply(o *screening.Options) {
	o.Movement, o.View, o.Stance, o.Sex = c.Movement, c.View, c.Stance, c.Sex
}

// addScreeningFlags declares --movement, --view, --stance and --sex.
func addScreeningFlags(cmd *cobra.Command, section string) {
	fs := cmd.Flags()
	fs.String("movement", string(screening.MovementAuto), "movement: auto, squat, single-leg-squat, step-down, lunge or hip-hinge")
	fs.String("view", string(screening.ViewAuto), "camera view: auto (from the camera's angle to the person, rep by rep), front or side")
	fs.String("stance", string(screening.SideAuto), "stance leg of single-leg tasks: auto, left or right")
	fs.String("sex", string(screening.SexUnspecified), "sex for the FPPA thresholds: unspecified, female or male")
	bindFlags(fs, section, "movement", "view", "stance", "sex")
}

// OutputConfig is what an analysis writes (analyze).
type OutputConfig struct {
	// Formats selects the files written.
	Formats report.Formats `mapstructure:"formats"`
	// VideoMaxSide caps the annotated video's longer side; 0 keeps the
	// input's size (as pipeline.Config.VideoMaxSide).
	VideoMaxSide int `mapstructure:"video-max-side"`
}

// Validate implements validator.
func (c *OutputConfig) Validate() error {
	if len(c.Formats) == 0 {
		return fmt.Errorf("--formats: no output format selected (want json, csv, html, video or all)")
	}
	return checkVideoMaxSide(c.VideoMaxSide)
}

// minVideoSide is the smallest --video-max-side other than 0: the
// overlay's labels are at least 10 pixels tall, and in a smaller frame
// they would cover the person they describe.
const minVideoSide = 160

// checkVideoMaxSide checks --video-max-side: 0 (the input's size) or at
// least minVideoSide.
func checkVideoMaxSide(n int) error {
	if n != 0 && n < minVideoSide {
		return fmt.Errorf("--video-max-side must be 0 (the input's size) or at least %d pixels, got %d", minVideoSide, n)
	}
	return nil
}

// checkEncoderEnv checks the video encoder the environment chooses
// (vision.EncoderEnv), so a bad value is a usage error before any work
// rather than a failure of every input's video.
func checkEncoderEnv() error {
	if _, err := vision.EncoderFromEnv(); err != nil {
		return err
	}
	return nil
}

// addOutputFlags declares --formats and --video-max-side.
func addOutputFlags(cmd *cobra.Command, section string) {
	fs := cmd.Flags()
	fs.StringSlice("formats", []string{"json", "csv", "html", "video"}, "outputs: json, csv, html, video (comma-separated) or all")
	bindFlags(fs, section, "formats")
	addVideoMaxSideFlag(fs, section)
}

// addVideoMaxSideFlag declares --video-max-side (OutputConfig.VideoMaxSide;
// serve and worker take it alone). 0 keeps the input's size, as in
// pipeline.Config.
func addVideoMaxSideFlag(fs *pflag.FlagSet, section string) {
	fs.Int("video-max-side", pipeline.DefaultVideoMaxSide, "annotated video: longer side at most this many pixels, reduced by an integer factor (0: the input's size)")
	bindFlags(fs, section, "video-max-side")
}

// progressMode says when to draw a progress bar.
type progressMode string

const (
	progressAuto   progressMode = "auto"   // when the output is a terminal
	progressAlways progressMode = "always" // always
	progressNever  progressMode = "never"  // never
)

// UnmarshalText parses auto, always or never.
func (p *progressMode) UnmarshalText(b []byte) error {
	switch m := progressMode(strings.ToLower(strings.TrimSpace(string(b)))); m {
	case progressAuto, progressAlways, progressNever:
		*p = m
		return nil
	}
	return fmt.Errorf("progress %q: want auto, always or never", b)
}

// bindFlags binds each named flag of fs to key section.name.
func bindFlags(fs *pflag.FlagSet, section string, names ...string) {
	for _, n := range names {
		bindFlag(fs, n, section+"."+n)
	}
}

// analysisConfig builds one analysis's pipeline.Config from the shared
// option sets and the screening options (thresholds, filter and what is
// screened): the one place where CLI options become pipeline settings.
// Analyses that run at once share the loaded model m and the thread
// budget.
func analysisConfig(m Model, budget *pipeline.Budget, model ModelConfig, pass PassConfig, out OutputConfig, s screening.Options, imageFPS float64) pipeline.Config {
	cfg := pipeline.Config{
		Screening:    s,
		Track:        pass.trackOptions(m, model.Threads, budget),
		Formats:      out.Formats,
		Analysis:     report.Analysis{Tool: versionTag(), Model: m.Name(), Symmetric: pass.Symmetric},
		ImageFPS:     imageFPS,
		VideoMaxSide: out.VideoMaxSide,
		BuildDigest:  buildDigest(),
	}
	if d, ok := m.(interface{ Digest() string }); ok {
		cfg.ModelDigest = d.Digest()
	}
	return cfg
}

// buildDigest identifies the running executable, read once: a report
// folder's settings include it, so a rebuilt kneescreen does not take an
// earlier build's output for its own. It is the Go build ID, which the
// toolchain derives from the binary's content and stores in an ELF note,
// read without reading the file; where there is none (another format, a
// build with -buildid=) the SHA-256 of the file, which on a 75 MB binary
// costs a quarter of a second at every start; "" when the executable
// cannot be read (the version alone then tells builds apart).
var buildDigest = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if id := goBuildID(exe); id != "" {
		return "go-buildid:" + id
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
})

// goBuildID returns the Go build ID in the ELF note .note.go.buildid of
// the executable at path ("" when it has none).
func goBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	d, err := s.Data()
	if err != nil || len(d) < 16 {
		return ""
	}
	// An ELF note: name size, descriptor size, type, then the name "Go"
	// padded to 4 bytes and the descriptor, the ID.
	namesz, descsz, typ := f.ByteOrder.Uint32(d), f.ByteOrder.Uint32(d[4:]), f.ByteOrder.Uint32(d[8:])
	if namesz != 4 || typ != 4 || string(d[12:16]) != "Go\x00\x00" || uint64(descsz) > uint64(len(d)-16) {
		return ""
	}
	return string(d[16 : 16+descsz])
}
