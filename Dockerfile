# kneescreen container image.
#   docker build -t kneescreen --build-arg VERSION=$(git describe --always) .
#   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD:/data" kneescreen probe squat.mp4

# --- build: Go plus OpenCV 4.6 headers from Debian 12 (bookworm) ---------
FROM golang:1.26-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libopencv-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/kneescreen ./cmd/kneescreen

# --- runtime: only the OpenCV libraries the binary links -----------------
# GoCV compiles wrappers for every OpenCV module it covers, so the binary
# needs these eleven libraries (readelf -d lists them), not all of
# libopencv-dev; videoio brings FFmpeg's libav* for decoding.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libopencv-core406 libopencv-imgproc406 libopencv-imgcodecs406 libopencv-videoio406 \
      libopencv-highgui406 libopencv-video406 libopencv-objdetect406 libopencv-calib3d406 \
      libopencv-features2d406 libopencv-dnn406 libopencv-photo406 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/kneescreen /usr/local/bin/kneescreen
# Fail the build, not the first run, if a library is missing.
RUN ! ldd /usr/local/bin/kneescreen | grep 'not found' && kneescreen version
# Run as the calling user (docker run -u) so outputs in /data are theirs.
WORKDIR /data
ENTRYPOINT ["kneescreen"]
