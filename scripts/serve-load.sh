#!/bin/sh
# serve-load.sh BINARY [WORKERS] [VIDEO...]: measures `kneescreen serve` under
# 20 concurrent uploads (the clinic server's load figure). With no videos it
# takes 20 of the shared real clips (../shared/realdata/videos). Prints the
# time until every upload is accepted and every analysis finished, the
# server's idle and peak resident memory, and the latency of the subject
# page, polled every 0.5 s while the jobs run. Run it on a quiet machine.
set -eu
BIN=$1
WORKERS=${2:-2}
shift $(( $# < 2 ? $# : 2 ))
DIR=$(mktemp -d)
PORT=18181
U=http://127.0.0.1:$PORT
PW=serve-load-password
trap 'kill $SP 2>/dev/null || true; rm -rf "$DIR"' EXIT
if [ $# -eq 0 ]; then
	V=$(dirname "$0")/../../shared/realdata/videos
	set -- $(ls "$V"/spotme_*.mp4 "$V"/workouttracker_*.mp4 "$V"/lnewco_*.mov | head -20)
fi
KNEESCREEN_SERVE_ADMIN_PASSWORD=$PW "$BIN" serve --data "$DIR/data" --addr 127.0.0.1:$PORT --workers "$WORKERS" >"$DIR/serve.log" 2>&1 &
SP=$!
until curl -sf $U/healthz >/dev/null; do sleep 0.2; done
T=$(curl -s -u admin:$PW -X POST $U/api/tokens | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -s -H "Authorization: Bearer $T" -d '{"code":"LOAD"}' $U/api/subjects >/dev/null
curl -s -c "$DIR/jar" -d "username=admin&password=$PW" $U/login -o /dev/null
rss() { grep -E '^(VmRSS|VmHWM)' /proc/$SP/status | tr -s ' \t\n' ' '; }
echo "idle: $(rss)"
echo "$# videos, $(du -ch "$@" | tail -1 | cut -f1)"
touch "$DIR/probe"
( while [ -e "$DIR/probe" ]; do curl -s -b "$DIR/jar" -o /dev/null -w '%{time_total}\n' $U/subjects/1; sleep 0.5; done >"$DIR/latency" ) &
PROBE=$!
START=$(python3 -c "import time; print(time.time())")
PIDS=""
i=0
for f in "$@"; do
	i=$((i + 1))
	curl -s -H "Authorization: Bearer $T" -F "video=@$f" -F movement=squat $U/api/subjects/1/recordings >"$DIR/upload.$i" &
	PIDS="$PIDS $!"
done
wait $PIDS
echo "uploads answered after $(python3 -c "import time; print(round(time.time() - $START, 1))") s"
JOBS=$(cat "$DIR"/upload.* | python3 -c '
import json, sys
dec, text, jobs = json.JSONDecoder(), sys.stdin.read(), []
while text.strip():
    v, n = dec.raw_decode(text.strip()); text = text.strip()[n:]
    if "job" in v: jobs.append(str(v["job"]))
    else: print("refused:", v.get("error"), file=sys.stderr)
print(" ".join(jobs))')
echo "$(echo $JOBS | wc -w) jobs queued"
while :; do
	LEFT=0
	for j in $JOBS; do
		curl -s -H "Authorization: Bearer $T" $U/api/jobs/$j | grep -q '"state": "\(done\|failed\)"' || LEFT=$((LEFT + 1))
	done
	[ $LEFT -eq 0 ] && break
	sleep 2
done
echo "all analyses finished after $(python3 -c "import time; print(round(time.time() - $START, 1))") s"
rm -f "$DIR/probe"
wait $PROBE
echo "end: $(rss)"
python3 -c "
v = sorted(float(x) for x in open('$DIR/latency') if x.strip())
print('subject page: %d requests, p50 %.3f s, p95 %.3f s, max %.3f s' % (len(v), v[len(v)//2], v[int(.95*len(v))], v[-1]))"
kill -INT $SP
wait $SP || true
