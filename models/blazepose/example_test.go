package blazepose_test

import (
	"context"
	"fmt"
	"image"
	"log"

	"github.com/kneescreen/kneescreen/models/blazepose"
)

// Following a person through video frames: the detector runs on the first
// frame, later frames reuse the region the landmarks give.
func Example() {
	m, err := blazepose.LoadDir("/path/to/models", "full", blazepose.Options{Threads: 2})
	if err != nil {
		log.Fatal(err)
	}
	tr := m.NewTracker()
	defer tr.Close()
	var frames []image.Image // decoded video frames
	for _, f := range frames {
		p, err := tr.Track(context.Background(), f)
		if err != nil {
			log.Fatal(err)
		}
		if !p.Person {
			continue
		}
		heel := p.Landmarks[blazepose.Index("left_heel")]
		fmt.Printf("left heel at (%.0f, %.0f), visibility %.2f\n", heel.X, heel.Y, heel.Visibility)
	}
}
