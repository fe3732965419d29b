#include <opencv2/core/utils/logger.hpp>
#include "logging.h"

int vision_set_opencv_log_level(int level) {
    return static_cast<int>(cv::utils::logging::setLogLevel(static_cast<cv::utils::logging::LogLevel>(level)));
}
