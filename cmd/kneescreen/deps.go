package main

import (
	"context"
	"image"

	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/models"
	"github.com/kneescreen/kneescreen/pose"
)

// Deps are what the commands need from beyond their flags: loading the
// pose model and running an analysis. The kneescreen binary uses
// defaultDeps; tests pass fakes, so a command's run function is tested
// without a model or a video.
type Deps struct {
	// LoadModel loads the model a ModelConfig selects, once per command:
	// every estimator made from it shares its weights.
	LoadModel func(ModelConfig) (Model, error)
	// Analyze runs one analysis end to end (pipeline.Run).
	Analyze func(ctx context.Context, input, dir string, cfg pipeline.Config) (*pipeline.Result, error)
}

// Model is a loaded pose model, as the commands use it.
type Model interface {
	// Name is the model's name as --model gave it ("lightning",
	// "blazepose", ... or a path), recorded in reports.
	Name() string
	// NewEstimator returns an estimator running the model on threads
	// inference threads (0: the model's default).
	NewEstimator(threads int) (Estimator, error)
}

// Estimator is one goroutine's estimator (models.PoseEstimator satisfies
// it).
type Estimator interface {
	pipeline.Estimator
	// Estimate finds the pose in a single image, without tracking.
	Estimate(ctx context.Context, img image.Image) (pose.Pose, error)
	// InputSize is the side of the model's square input in pixels.
	InputSize() int
}

// estimators adapts a Model to the pipeline's estimator factory.
func estimators(m Model) pipeline.NewEstimatorFunc {
	return func(threads int) (pipeline.Estimator, error) { return m.NewEstimator(threads) }
}

func defaultDeps() Deps {
	return Deps{LoadModel: loadModel, Analyze: pipeline.Run}
}

// loadModel loads and checks the selected model once, of either family
// (models.Open); its estimators share the weights, each with its own
// thread count.
func loadModel(c ModelConfig) (Model, error) {
	m, err := models.Open(c.Model, c.ModelsDir, models.Options{Threads: c.threads()})
	if err != nil {
		return nil, err
	}
	return sharedModel{m}, nil
}

// sharedModel adapts a loaded models.PoseModel to Model.
type sharedModel struct{ m models.PoseModel }

// Digest is the SHA-256 of the model's ONNX file or files, so a report
// folder's settings change with the weights, not only the name.
func (s sharedModel) Digest() string { return s.m.Digest() }

func (s sharedModel) Name() string { return s.m.Name() }

func (s sharedModel) NewEstimator(threads int) (Estimator, error) {
	return s.m.NewPoseEstimator(threads), nil
}

// Networks lists the model's networks for bench (networked).
func (s sharedModel) Networks() []models.Network { return s.m.Networks() }
