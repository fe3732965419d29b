// Command kneescreen screens squats and step-downs from video.
//
// See root.go for how commands are put together and how to add one.
package main

import "os"

func main() { os.Exit(Main()) }
