#ifndef KNEESCREEN_VISION_WINDOW_H
#define KNEESCREEN_VISION_WINDOW_H
#ifdef __cplusplus
extern "C" {
#endif
// Thin wrappers of OpenCV's highgui that turn C++ exceptions into return
// codes. Each returns 0 on success, -1 when OpenCV threw.

// vision_window_open makes a window sized to its image, without the Qt
// backend's tool and status bars.
int vision_window_open(const char* name);
// vision_window_show shows mat (a cv::Mat*) in the window.
int vision_window_show(const char* name, void* mat);
// vision_window_wait runs the window system's events for ms milliseconds
// and returns the key pressed, -1 for none.
int vision_window_wait(int ms);
// vision_window_visible is the window's WND_PROP_VISIBLE (< 1 once the
// user has closed it), -1 when OpenCV threw.
double vision_window_visible(const char* name);
// vision_window_close destroys the window.
int vision_window_close(const char* name);
#ifdef __cplusplus
}
#endif
#endif
