package pipeline_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/kneescreen/kneescreen/internal/pipeline"
	"github.com/kneescreen/kneescreen/models"
	"github.com/kneescreen/kneescreen/report"
	"github.com/kneescreen/kneescreen/screening"
)

// ExampleRun analyses a short clip (the synthetic squat in the
// repository's testdata) into a folder: the model is loaded once, and its
// estimators (one per lane, each with its threads) share it.
func ExampleRun() {
	src, err := models.LoadModel(models.Lightning, "")
	if err != nil {
		log.Fatal(err)
	}
	model, err := models.Load(src, models.Options{})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "kneescreen-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	cfg := pipeline.Config{
		Screening: screening.DefaultOptions(),
		Track: pipeline.TrackOptions{
			NewEstimator: func(threads int) (pipeline.Estimator, error) { return model.NewEstimatorThreads(threads), nil },
			Symmetric:    true,
		},
		Formats:  report.Formats{report.FormatJSON: true, report.FormatCSV: true},
		Analysis: report.Analysis{Tool: "example", Model: model.Name(), Symmetric: true},
	}
	res, err := pipeline.Run(context.Background(), filepath.Join("..", "..", "testdata", "squat_640x360.mp4"), dir, cfg)
	if err != nil {
		log.Fatal(err)
	}
	r := res.Report
	fmt.Printf("%s, %s view, %d rep(s), %d frames\n", r.Movement, r.View, len(r.Reps), len(res.Track.Poses))
	for _, f := range res.Files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// squat, front view, 1 rep(s), 103 frames
	// report.json
	// keypoints.csv
	// angles.csv
}
