#!/bin/sh
# make-fixture.sh: regenerate models/engine/testdata/blazepose-reference.json,
# the original TF.js BlazePose models' outputs on two shared COCO frames
# (the 256x256 letterboxed inputs under ../shared/realdata/references).
#
#   scripts/blazepose-reference/make-fixture.sh
#
# Needs node and npm (installs its node modules on first use), ffmpeg, and
# the npm models folder (KNEESCREEN_NPM_MODELS, as 'make models' prints).
# Not run by the tests or CI: the fixture is committed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${KNEESCREEN_SHARED:-$root/../shared}
models=${KNEESCREEN_NPM_MODELS:?set KNEESCREEN_NPM_MODELS to the npm models folder (make models prints it)}
[ -d "$here/node_modules/@tensorflow/tfjs-core" ] || (cd "$here" && npm ci --no-audit --no-fund --silent)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
args=""
for name in coco_000000000785 coco_000000197388; do
	ffmpeg -v error -y -i "$shared/realdata/references/$name/frame_0001_256.png" -pix_fmt rgb24 -f rawvideo "$tmp/$name.rgb"
	args="$args $name=$tmp/$name.rgb"
done
# shellcheck disable=SC2086 # args is a list of name=path without spaces
node "$here/reference.js" "$models" "$root/models/engine/testdata/blazepose-reference.json" $args
