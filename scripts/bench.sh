#!/usr/bin/env bash
# Throughput of `kneescreen analyze` in times real time, beside ffmpeg's
# decode-only speed on the same file, and the engine's Lightning inference
# beside onnxruntime's (`make bench` runs it). Not run by the tests or CI;
# run it on a quiet machine: the load average is printed with the figures.
#
# usage: scripts/bench.sh   (environment, all optional:)
#   BIN=bin/kneescreen         the binary timed
#   CLIP=PATH                  the 720p clip (../shared/realdata/videos/rjsong_front_squat.mp4)
#   PORTRAIT=PATH              the 1080x1920 clip (../shared/.../lnewco_IMG_7027.mov)
#   REPEAT=3                   runs of each case; the fastest is printed
#   ROUNDS=5                   turns the engine and onnxruntime take at Lightning
#   ORT=scripts/onnxruntime-bench  where `npm ci` installed onnxruntime-node
#   KNEESCREEN_MODELS_DIR      the converted models (lightning.onnx for onnxruntime)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/bin/kneescreen}
videos=$root/../shared/realdata/videos
CLIP=${CLIP:-$videos/rjsong_front_squat.mp4}
PORTRAIT=${PORTRAIT:-$videos/lnewco_IMG_7027.mov}
REPEAT=${REPEAT:-3}
ORT=${ORT:-$root/scripts/onnxruntime-bench}

for f in "$BIN" "$CLIP" "$PORTRAIT"; do
	[ -e "$f" ] || { echo "bench: $f not found (make build; the clips are in ../shared)" >&2; exit 2; }
done
command -v ffprobe >/dev/null || { echo "bench: ffmpeg/ffprobe not on PATH (make setup)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# duration FILE: the video's duration in seconds.
duration() { ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"; }
# frames FILE: its decoded frame count.
frames() { ffprobe -v error -select_streams v:0 -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$1"; }

# best LABEL FILE CMD...: runs CMD REPEAT times and prints the fastest wall
# time as times real time and frames per second, with that run's CPU time
# per frame (user + sys, children included) and the speed that CPU time
# allows on this machine's cores if they were all free and kept busy
# ("CPU-bound"): on a busy machine the wall time says little, the CPU time
# more.
best() {
	local label=$1 file=$2; shift 2
	local dur n bw="" bc=""
	dur=$(duration "$file"); n=$(frames "$file")
	for _ in $(seq "$REPEAT"); do
		rm -rf "$tmp/out"
		/usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
		read -r w u s <"$tmp/t"
		if [ -z "$bw" ] || awk "BEGIN{exit !($w < $bw)}"; then bw=$w; bc=$(awk "BEGIN{print $u + $s}"); fi
	done
	awk -v l="$label" -v d="$dur" -v n="$n" -v w="$bw" -v c="$bc" -v p="$(nproc)" 'BEGIN{
		printf "%-46s %6.1fx real time  %6.0f fps  %5.1f s wall  %5.1f ms CPU/frame  (CPU-bound on %d cores: %.1fx)\n", l, d/w, n/w, w, 1000*c/n, p, d*p/c }'
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; $(go version 2>/dev/null | cut -d' ' -f3-4)"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
echo "kneescreen $("$BIN" version 2>/dev/null | head -1); fastest of $REPEAT runs"
echo
for f in "$CLIP" "$PORTRAIT"; do
	echo "$(basename "$f"): $(ffprobe -v error -select_streams v:0 -show_entries stream=width,height,r_frame_rate -of csv=p=0 "$f"), $(frames "$f") frames, $(duration "$f") s"
	best "  ffmpeg decode only (ffmpeg -i FILE -f null -)" "$f" ffmpeg -nostdin -v error -i "$f" -f null -
	best "  analyze --formats json" "$f" "$BIN" analyze "$f" --out "$tmp/out" --progress never --formats json
	best "  analyze (every output)" "$f" "$BIN" analyze "$f" --out "$tmp/out" --progress never
done
echo
# The engine and onnxruntime take turns, ROUNDS rounds of 100 inferences
# each at 1 and 2 threads, so a load that comes and goes hits both alike;
# the ratio is of the medians of the rounds' medians.
ROUNDS=${ROUNDS:-5}
if [ -d "$ORT/node_modules/onnxruntime-node" ] && [ -n "${KNEESCREEN_MODELS_DIR:-}" ]; then
	echo "Lightning, ms per inference, the engine and onnxruntime $(node -p "require('$ORT/node_modules/onnxruntime-node/package.json').version") taking turns ($ROUNDS rounds of 100):"
	: >"$tmp/rounds"
	for _ in $(seq "$ROUNDS"); do
		for t in 1 2; do
			"$BIN" bench --threads "$t" --runs 100 --warmup 5 |
				sed -n 's/.*"threads":\([0-9]*\).*"ms_median":\([0-9.]*\).*/engine \1 \2/p' >>"$tmp/rounds"
		done
		node "$ORT/bench.js" -runs 100 "$KNEESCREEN_MODELS_DIR/lightning.onnx" |
			awk -F'\t' '$1 == "lightning" { print "onnxruntime", $2, $3 }' >>"$tmp/rounds"
	done
	sort -k1,1 -k2,2n -k3,3n "$tmp/rounds" | awk '
		{ v[$1" "$2] = v[$1" "$2] " " $3; n[$1" "$2]++ }
		END {
			for (k in v) { split(substr(v[k], 2), a, " "); med[k] = a[int((n[k] + 1) / 2)] }
			for (t = 1; t <= 2; t++)
				printf "  %d thread%s: engine %.2f ms, onnxruntime %.2f ms (median of %d rounds): engine/onnxruntime %.2fx\n",
					t, (t > 1 ? "s" : " "), med["engine " t], med["onnxruntime " t], n["engine " t], med["engine " t] / med["onnxruntime " t]
		}'
else
	echo "Lightning, ms per inference (kneescreen bench --runs 100):"
	for t in 1 2; do
		"$BIN" bench --threads "$t" --runs 100 --warmup 5
	done
	echo "onnxruntime: not run (cd $ORT && ONNXRUNTIME_NODE_INSTALL=skip npm ci; set KNEESCREEN_MODELS_DIR)"
fi
echo "load after: $(uptime | sed 's/.*load average/load average/')"
