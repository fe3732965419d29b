#ifndef KNEESCREEN_VISION_LOGGING_H
#define KNEESCREEN_VISION_LOGGING_H
#ifdef __cplusplus
extern "C" {
#endif
// vision_set_opencv_log_level sets OpenCV's global log level (the values of
// cv::utils::logging::LogLevel) and returns the previous one.
int vision_set_opencv_log_level(int level);
#ifdef __cplusplus
}
#endif
#endif
