#!/bin/sh
# live-bench.sh BINARY [MINUTES] [CLIP] [-- LIVE FLAGS...]: the live mode's
# figures. Plays CLIP (default the shared 720p30 rjsong_front_squat.mp4)
# looped to MINUTES (default 10) as a camera, in real time, with the default
# model (Lightning, symmetric) and no display, and prints: the share of
# frames processed, the latency p50/p95 over the whole run and over its first
# and last minute (no growth), the frame rate, and the resident memory after
# the first minute and at the end (flat). Extra flags after -- go to
# `kneescreen live` (e.g. --threads 2, or --display window under xvfb-run).
# Run it on a quiet machine: the goal on 2 cores is at least 95% of frames
# processed and p95 latency at most 50 ms.
set -eu
# Positional arguments up to "--" (MINUTES and CLIP may be left out).
BIN=$1
shift
MIN=10
CLIP=$(dirname "$0")/../../shared/realdata/videos/rjsong_front_squat.mp4
if [ $# -gt 0 ] && [ "$1" != "--" ]; then MIN=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then CLIP=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then shift; fi
DIR=$(mktemp -d)
trap 'kill $LP 2>/dev/null || true; rm -rf "$DIR"' EXIT
# The clip looped (stream copy, no re-encoding) to at least MIN minutes.
DUR=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$CLIP")
N=$(python3 -c "import math; print(max(0, math.ceil($MIN * 60 / $DUR) - 1))")
ffmpeg -nostdin -v error -stream_loop "$N" -i "$CLIP" -c copy -an -t $((MIN * 60)) "$DIR/loop.mp4"
echo "clip: $CLIP looped to $MIN min; machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" live --camera "$DIR/loop.mp4" --display none --events "$DIR/events.jsonl" "$@" >"$DIR/out.log" 2>&1 &
LP=$!
TICK=$(getconf CLK_TCK)
# Resident memory every 10 s while it runs, and its CPU time (user +
# system) at the last sample.
while kill -0 $LP 2>/dev/null; do
	grep VmRSS /proc/$LP/status 2>/dev/null | awk -v t="$(date +%s)" '{print t, $2}' >>"$DIR/rss" || true
	awk -v tick="$TICK" '{print ($14 + $15) / tick}' /proc/$LP/stat >"$DIR/cpu" 2>/dev/null || true
	sleep 10
done
wait $LP || { cat "$DIR/out.log"; exit 1; }
cat "$DIR/out.log"
python3 - "$DIR/events.jsonl" "$DIR/rss" "$DIR/cpu" <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
stats = [e for e in ev if e["type"] == "stats"]
final = stats[-1]
per = [s for s in stats[:-1] if s["latency_ms_p95"] is not None]
def window(lo, hi):
    w = [s for s in per if lo <= s["time_s"] < hi]
    if not w:
        return "-"
    p95 = sorted(s["latency_ms_p95"] for s in w)
    return "p95 of the per-second p95s %.1f ms, median per-second p95 %.1f ms, %.1f frames/s" % (
        p95[int(0.95 * (len(p95) - 1))], p95[len(p95) // 2], sum(s["fps"] for s in w) / len(w))
end = final["time_s"]
print("processed %d of %d frames (%.1f%%), dropped %d; %.1f frames/s; latency p50 %s ms, p95 %s ms" % (
    final["processed"], final["captured"], 100.0 * final["processed"] / max(1, final["captured"]),
    final["dropped"], final["fps"], final["latency_ms_p50"], final["latency_ms_p95"]))
print("first minute:", window(0, 60))
print("last minute: ", window(end - 60, end + 1))
print("reps: %d, cues: %d" % (sum(e["type"] == "rep" for e in ev), sum(e["type"] == "cue" for e in ev)))
cpu = float(open(sys.argv[3]).read() or 0)
if cpu > 0:
    # Sampled up to 10 s before the end: per frame over the frames until then.
    print("CPU time %.0f s (of %.0f s wall): about %.1f ms per processed frame, %.1f ms per captured frame" % (
        cpu, end, 1000 * cpu / final["processed"], 1000 * cpu / final["captured"]))
rss = [l.split() for l in open(sys.argv[2])] if len(sys.argv) > 2 else []
if len(rss) > 7:
    t0 = int(rss[0][0])
    after1 = [int(k) for t, k in rss if int(t) - t0 >= 60][0]
    print("resident memory: %.0f MB after the first minute, %.0f MB at the end, %.0f MB at most" % (
        after1 / 1024, int(rss[-1][1]) / 1024, max(int(k) for _, k in rss) / 1024))
EOF
