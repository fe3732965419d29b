#include <opencv2/core.hpp>
#include <opencv2/highgui.hpp>
#include "window.h"

int vision_window_open(const char* name) {
    try {
        cv::namedWindow(name, cv::WINDOW_AUTOSIZE | cv::WINDOW_GUI_NORMAL);
        return 0;
    } catch (...) {
        return -1;
    }
}

int vision_window_show(const char* name, void* mat) {
    try {
        cv::imshow(name, *static_cast<cv::Mat*>(mat));
        return 0;
    } catch (...) {
        return -1;
    }
}

int vision_window_wait(int ms) {
    try {
        return cv::waitKey(ms);
    } catch (...) {
        return -1;
    }
}

double vision_window_visible(const char* name) {
    try {
        return cv::getWindowProperty(name, cv::WND_PROP_VISIBLE);
    } catch (...) {
        return -1;
    }
}

int vision_window_close(const char* name) {
    try {
        cv::destroyWindow(name);
        cv::waitKey(1);
        return 0;
    } catch (...) {
        return -1;
    }
}
