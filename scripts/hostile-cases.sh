#!/usr/bin/env bash
# Runs kneescreen through the hostile cases a clinic meets (containers,
# codecs, corruption, awkward paths, a full disk, signals, batches, config
# mistakes, resource limits) and prints a Markdown table: each case, what
# is expected, what happened, PASS or FAIL. Exit status 1 if any case fails.
#
#   scripts/hostile-cases.sh [path/to/kneescreen]   (default: builds bin/kneescreen)
#
# Needs ffmpeg (with libx264, libx265, libvpx, libaom for the codec cases)
# and, for the full-disk cases, root to mount a small tmpfs (skipped
# otherwise). Takes a few minutes on two cores.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
ks=${1:-}
if [ -z "$ks" ]; then
	(cd "$here" && PATH=$PATH:/usr/local/go/bin go build -o bin/kneescreen ./cmd/kneescreen) || exit 1
	ks=$here/bin/kneescreen
fi
ks=$(cd "$(dirname "$ks")" && pwd)/$(basename "$ks")
fixture=$here/testdata/squat_640x360.mp4
work=$(mktemp -d)
mounted=""
cleanup() { [ -n "$mounted" ] && umount "$mounted" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work" || exit 1
# Fast, like a clinic batch: no mirrored pass, json and csv unless a case
# needs more.
fast=(--symmetric=false --progress never)
n=0 fails=0
printf '| # | area | case | expected | result | |\n|---|---|---|---|---|---|\n'

# row AREA CASE EXPECTED RESULT OK
row() {
	n=$((n + 1))
	local mark=PASS
	if [ "$5" != 1 ]; then mark=FAIL; fails=$((fails + 1)); fi
	printf '| %d | %s | %s | %s | %s | %s |\n' "$n" "$1" "$2" "$3" "$4" "$mark"
}

# run CMD...: runs it, sets rc, out (stdout) and err (the first line of
# stderr).
run() {
	"$@" >"$work/.out" 2>"$work/.err"
	rc=$?
	out=$(cat "$work/.out")
	err=$(head -1 "$work/.err")
}

# started DIR: waits (up to 30 s) until a kneescreen run holds DIR, so its
# signal handling is in place.
started() {
	for _ in $(seq 600); do
		[ -e "$1/.kneescreen.lock" ] && return 0
		sleep 0.05
	done
	return 1
}

# onelines: stderr lines all start "kneescreen: ".
onelines() { ! grep -qv '^kneescreen: ' "$work/.err"; }

# notemps DIR: no hidden temporary file anywhere under DIR.
notemps() { [ -z "$(find "$1" -name '.*.tmp-*' 2>/dev/null)" ]; }

# complete DIR FILES...: DIR has manifest.json and exactly the files named.
complete() {
	local d=$1
	shift
	[ -f "$d/manifest.json" ] || return 1
	local want got
	want=$(printf '%s\n' manifest.json "$@" | sort | tr '\n' ' ')
	got=$(ls -A "$d" | sort | tr '\n' ' ')
	[ "$want" = "$got" ]
}

ok() { if "$@"; then echo 1; else echo 0; fi; }

# ---- containers and codecs -------------------------------------------------
enc() { ffmpeg -hide_banner -v error -y -i "$fixture" "$@" </dev/null; }
codec_case() {
	local name=$1 file=$2
	shift 2
	if ! enc "$@" "$file" 2>/dev/null; then
		row container "$name" "exit 0, report" "encoder not available here: skipped" 1
		return
	fi
	run "$ks" analyze "${fast[@]}" --formats json --out "out-$file" "$file"
	row container "$name" "exit 0, report" "exit $rc, $(grep -o '[a-z-]*, [a-z]* view, [0-9]* reps' <<<"$out")" "$(ok test $rc = 0 -a -f "out-$file/report.json")"
}
codec_case "MP4 H.264 (the fixture)" fixture.mp4 -c copy
codec_case "QuickTime MOV H.264" h264.mov -c:v libx264 -preset ultrafast
codec_case "Matroska VP9" vp9.mkv -c:v libvpx-vp9 -deadline realtime -cpu-used 8
codec_case "WebM VP8" vp8.webm -c:v libvpx -deadline realtime
codec_case "AVI MJPEG" mjpeg.avi -c:v mjpeg -q:v 5
codec_case "MP4 MPEG-4 part 2" mpeg4.mp4 -c:v mpeg4
codec_case "MP4 HEVC 10-bit" hevc10.mp4 -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -x265-params log-level=none
codec_case "MP4 AV1" av1.mp4 -c:v libaom-av1 -cpu-used 8 -row-mt 1 -b:v 200k
codec_case "MOV ProRes 422" prores.mov -c:v prores_ks -profile:v 0
codec_case "variable frame rate" vfr.mp4 -vf "setpts='N/30/TB+0.01*sin(N)/TB'" -fps_mode vfr -c:v libx264 -preset ultrafast
codec_case "interlaced (tinterlace)" interlaced.mp4 -vf tinterlace=4 -c:v libx264 -preset ultrafast -flags +ilme+ildct
codec_case "rotated 90° (phone portrait tag)" rotated.mp4 -c copy -metadata:s:v:0 rotate=90
codec_case "odd size 639x359" odd.mp4 -vf crop=639:359 -c:v libx264 -preset ultrafast -pix_fmt yuv444p

ffmpeg -hide_banner -v error -y -f lavfi -i "sine=frequency=440:duration=2" audio.m4a </dev/null
run "$ks" analyze "${fast[@]}" --formats json --out out-audio audio.m4a
row container "audio only (.m4a)" "exit 1, one line" "exit $rc: $err" "$(ok test $rc = 1 && onelines)"

# ---- corruption ------------------------------------------------------------
: >empty.mp4
head -c 13000 "$fixture" >half.mp4
head -c 60000 /dev/urandom >noise.mp4
echo "these are not the frames" >text.mp4
python3 - "$fixture" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
def boxes(d):
    off = 0
    while off + 8 <= len(d):
        size, typ = struct.unpack('>I4s', d[off:off+8])
        yield off, size, typ
        off += size
nomoov, lie = bytearray(), bytearray(d)
for off, size, typ in boxes(d):
    if typ != b'moov':
        nomoov += d[off:off+size]
    else:
        struct.pack_into('>I', lie, off, len(d) + 1000)
open('nomoov.mp4', 'wb').write(nomoov)
open('moovlie.mp4', 'wb').write(lie)
flip = bytearray(d)
for i in range(len(d) // 2, len(d), 97):
    flip[i] ^= 0x5a
open('bitflip.mp4', 'wb').write(flip)
EOF
for c in "empty.mp4:zero-byte file" "half.mp4:truncated at half" "noise.mp4:random bytes named .mp4" "text.mp4:text file named .mp4" \
	"nomoov.mp4:index (moov) removed" "moovlie.mp4:moov claims more bytes than the file" "bitflip.mp4:bytes flipped in the second half"; do
	f=${c%%:*}
	run "$ks" analyze "${fast[@]}" --formats json --out "out-$f" "$f"
	row corruption "${c#*:}" "exit 1, one line, no folder" "exit $rc: $err" "$(ok test $rc = 1 -a ! -e "out-$f/report.json" && onelines)"
done

# ---- paths -----------------------------------------------------------------
mkdir -p "Zoë Ünïcode" && cp "$fixture" "Zoë Ünïcode/squat 1 (left).mp4"
run "$ks" analyze "${fast[@]}" --out "out Zoë/视频" "Zoë Ünïcode/squat 1 (left).mp4"
row paths "input and --out with spaces, unicode, parentheses" "exit 0, every file" "exit $rc" "$(ok test $rc = 0 && complete "out Zoë/视频" report.json keypoints.csv angles.csv report.html annotated.mp4)"
cp "$fixture" ./-y.mp4
run "$ks" analyze "${fast[@]}" --out=-out -- -y.mp4
row paths "input -y.mp4 (after --) and --out=-out: no option reaches ffmpeg" "exit 0, video written" "exit $rc: $err" "$(ok test $rc = 0 && complete ./-out report.json keypoints.csv angles.csv report.html annotated.mp4)"
cp "$fixture" "http:x.mp4"
run "$ks" analyze "${fast[@]}" --formats json,video --out "concat:a|b" "http:x.mp4"
row paths "input http:x.mp4, --out concat:a\|b: no protocol reaches FFmpeg" "exit 0, video written" "exit $rc: $err" "$(ok test $rc = 0 && complete "concat:a|b" report.json annotated.mp4)"
cp "$fixture" "=HYPERLINK(x).mp4"
run "$ks" analyze "${fast[@]}" --formats json --out out-formula "=HYPERLINK(x).mp4" fixture.mp4
row paths "input named like a spreadsheet formula, in a batch" "summary.csv cell starts with '" "exit $rc, $(grep -c "^'=" out-formula/summary.csv) escaped cell" "$(ok test $rc = 0 && grep -q "^'=HYPERLINK" out-formula/summary.csv)"
mkdir -p emptydir
run "$ks" analyze "${fast[@]}" --out out-emptydir emptydir
row paths "a folder with no images" "exit 1, one line" "exit $rc: $err" "$(ok test $rc = 1 && onelines)"
run "$ks" analyze "${fast[@]}" --out out-missing missing.mp4
row paths "missing input" "exit 1, one line" "exit $rc: $err" "$(ok test $rc = 1 && onelines)"
ln -s fixture.mp4 link.mp4
run "$ks" analyze "${fast[@]}" --formats json --out out-link link.mp4
row paths "symlink to a video" "exit 0" "exit $rc" "$(ok test $rc = 0)"

# ---- full disk ---------------------------------------------------------------
if [ "$(id -u)" = 0 ] && mkdir -p small && mount -t tmpfs -o size=300k tmpfs small 2>/dev/null; then
	mounted=$work/small
	run "$ks" analyze "${fast[@]}" --out small/out fixture.mp4
	row "full disk" "300 KB: the HTML (and maybe the video) do not fit" "exit 1; json, CSVs kept; a video only if whole; no manifest, no temp" "exit $rc: $err" \
		"$(ok test $rc = 1 -a -f small/out/report.json -a -f small/out/keypoints.csv -a ! -e small/out/manifest.json && notemps small/out && { [ ! -e small/out/annotated.mp4 ] || [ "$(ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 small/out/annotated.mp4)" = 103 ]; })"
	rm -rf small/out
	run "$ks" analyze "${fast[@]}" --formats json,csv,video --out small/out fixture.mp4
	good=$(sha256sum small/out/annotated.mp4 2>/dev/null | cut -c1-64)
	head -c 150000 /dev/zero >small/filler 2>/dev/null
	run "$ks" analyze "${fast[@]}" --formats json,csv,video --out small/out fixture.mp4
	row "full disk" "re-run over a complete result, disk now full" "up to date: the good video untouched" "exit $rc: ${out}" "$(ok test $rc = 0 -a "$(sha256sum small/out/annotated.mp4 | cut -c1-64)" = "$good")"
	run "$ks" analyze "${fast[@]}" --force --formats json,csv,video --out small/out fixture.mp4
	row "full disk" "--force over it on the full disk" "exit 1; the earlier complete output untouched, no temp" "exit $rc: $err" \
		"$(ok test $rc = 1 -a "$(sha256sum small/out/annotated.mp4 | cut -c1-64)" = "$good" && notemps small/out && "$ks" analyze "${fast[@]}" --formats json,csv,video --out small/out fixture.mp4 | grep -q 'up to date')"
	mount -o remount,ro small
	run "$ks" analyze "${fast[@]}" --out small/ro fixture.mp4 fixture.mp4
	row "full disk" "--out on a read-only file system" "exit 2 before any work" "exit $rc: $err" "$(ok test $rc = 2 && onelines)"
	umount small && mounted=""
else
	row "full disk" "small tmpfs" "" "not root or cannot mount: skipped" 1
fi
(ulimit -f 200; "$ks" analyze "${fast[@]}" --out out-fsize fixture.mp4 >"$work/.out" 2>"$work/.err")
rc=$?
err=$(head -1 "$work/.err")
row "resource limits" "file size limit 200 KB (ulimit -f): the HTML does not fit" "exit 1, one line, no manifest, no temp" "exit $rc: $err" "$(ok test $rc = 1 -a ! -e out-fsize/manifest.json && onelines && notemps out-fsize)"

# ---- signals ---------------------------------------------------------------
for sig in INT TERM; do
	"$ks" analyze --progress never --out "out-sig$sig" fixture.mp4 hevc10.mp4 vp9.mkv >/dev/null 2>"$work/.err" &
	pid=$!
	started "out-sig$sig"
	sleep 1
	t0=$(date +%s.%N)
	kill -$sig $pid
	wait $pid
	rc=$?
	t=$(echo "$(date +%s.%N) - $t0" | bc)
	row signals "SIG$sig mid-analysis" "exit 130 promptly, no temp, no ffmpeg left" "exit $rc after ${t%??????} s" "$(ok test $rc = 130 && notemps "out-sig$sig" && ! pgrep -f "out-sig$sig" >/dev/null)"
done
"$ks" analyze --progress never --lanes 8 --threads 8 --out out-lanes hevc10.mp4 >/dev/null 2>&1 &
pid=$!
started out-lanes
t0=$(date +%s.%N)
kill -TERM $pid
wait $pid
rc=$?
t=$(echo "$(date +%s.%N) - $t0" | bc)
row signals "SIGTERM as soon as it starts (8 lanes × 8 threads)" "exit 130 within a second" "exit $rc after ${t%??????} s" "$(ok test $rc = 130 -a "$(echo "$t < 1" | bc)" = 1)"

# ---- batches ---------------------------------------------------------------
mkdir -p d1 d2 && cp "$fixture" d1/a.mp4 && cp "$fixture" d2/a.mp4 && cp "$fixture" a-2.mp4
run "$ks" analyze "${fast[@]}" --formats json --out out-names d1/a.mp4 d2/a.mp4 a-2.mp4
row batches "d1/a.mp4 d2/a.mp4 a-2.mp4" "three folders: d1/a, d2/a, a-2" "exit $rc: $(cd out-names && find . -name report.json | sort | tr '\n' ' ')" \
	"$(ok test $rc = 0 -a -f out-names/d1/a/report.json -a -f out-names/d2/a/report.json -a -f out-names/a-2/report.json)"
cp "$fixture" A.mp4 && cp "$fixture" a.mp4
run "$ks" analyze "${fast[@]}" --formats json --out out-case A.mp4 a.mp4 a.mp4
row batches "A.mp4 a.mp4 a.mp4 (case, twice)" "two folders, case-safe, analysed once each" "exit $rc: $(ls out-case | grep -v '\.' | tr '\n' ' ')$(grep -c ': squat' <<<"$out") analysed" \
	"$(ok test $rc = 0 -a "$(grep -c ': squat' <<<"$out")" = 2 -a "$(find out-case -name report.json | wc -l)" = 2)"
"$ks" analyze "${fast[@]}" --out out-twice hevc10.mp4 vp9.mkv >/dev/null 2>&1 &
pid=$!
started out-twice
run "$ks" analyze "${fast[@]}" --out out-twice fixture.mp4
wait $pid
row batches "second run into a folder in use" "exit 2 at once, names the holder" "exit $rc: $err" "$(ok test $rc = 2 && grep -q 'in use by another kneescreen run (process' "$work/.err")"
run "$ks" analyze "${fast[@]}" --out out-fewer fixture.mp4
run "$ks" analyze "${fast[@]}" --formats json --out out-fewer fixture.mp4
row batches "re-run with fewer --formats" "only report.json and manifest.json" "exit $rc: $(ls out-fewer | tr '\n' ' ')" "$(ok test $rc = 0 && complete out-fewer report.json)"
mkdir -p tree/p1/.trash tree/p2 && cp "$fixture" tree/p1/squat.mp4 && cp "$fixture" tree/p2/squat.MOV && cp "$fixture" tree/p1/.trash/old.mp4 && echo notes >tree/p1/notes.txt
run "$ks" analyze "${fast[@]}" --formats json --recursive --out tree/reports tree
run "$ks" analyze "${fast[@]}" --formats json --recursive --out tree/reports tree
row batches "--recursive tree (hidden folder, notes, output inside), run twice" "2 inputs, then both up to date; index and summary" "exit $rc: $(grep -c 'up to date' <<<"$out") up to date" \
	"$(ok test $rc = 0 -a "$(grep -c 'up to date' <<<"$out")" = 2 -a -f tree/reports/index.html -a -f tree/reports/summary.csv -a -f tree/reports/batch.json)"
mkdir -p kill && for i in $(seq -w 1 8); do cp "$fixture" "kill/p$i.mp4"; done
"$ks" analyze "${fast[@]}" --formats json,csv --jobs 2 --out out-kill kill/*.mp4 >/dev/null 2>&1 &
pid=$!
while [ "$(find out-kill -name manifest.json 2>/dev/null | wc -l)" -lt 3 ]; do sleep 0.05; done
kill -9 $pid
wait $pid 2>/dev/null
before=$(find out-kill -name manifest.json | wc -l)
run "$ks" analyze "${fast[@]}" --formats json,csv --jobs 2 --out out-kill kill/*.mp4
row batches "kill -9 a batch of 8 after 3, re-run" "earlier reports up to date, the rest analysed, no temp" "exit $rc: $before done before, $(grep -c 'up to date' <<<"$out") up to date, $(grep -c ': squat' <<<"$out") analysed" \
	"$(ok test $rc = 0 -a "$(grep -c 'up to date' <<<"$out")" = "$before" -a "$(find out-kill -name manifest.json | wc -l)" = 8 && notemps out-kill)"

# ---- config mistakes -------------------------------------------------------
cfg_case() {
	printf '%b' "$2" >cfg.yaml
	run "$ks" --config cfg.yaml analyze "${fast[@]}" --formats json --out out-cfg fixture.mp4
	row config "$1" "exit 2, one line naming the key" "exit $rc: $err" "$(ok test $rc = 2 && onelines && grep -q "$3" "$work/.err")"
}
cfg_case "misspelt section analyse:" 'analyse:\n  sex: female\n' '"analyse"'
cfg_case "misspelt section threshold:" 'threshold:\n  fppa:\n    female_flag_deg: 16\n' '"threshold"'
cfg_case "unknown key in analyze:" 'analyze:\n  sexx: female\n' 'sexx'
cfg_case "misspelt threshold key" 'thresholds:\n  fppa:\n    female_flag_dge: 16\n' 'female_flag_dge'
cfg_case "threshold out of range" 'thresholds:\n  fppa:\n    female_flag_deg: 400\n' 'female_flag_deg'
cfg_case "wrong type" 'analyze:\n  threads: lots\n' 'analyze.threads'
cfg_case "YAML syntax error" 'analyze: [unclosed\n' 'config file'
cfg_case "a list where a section goes" 'analyze:\n  - sex\n' 'analyze'
run "$ks" --config missing.yaml analyze "${fast[@]}" --out out-cfg fixture.mp4
row config "missing config file" "exit 2" "exit $rc: $err" "$(ok test $rc = 2)"
run env KNEESCREEN_ANALYZE_SEX=x "$ks" analyze "${fast[@]}" --out out-cfg fixture.mp4
row config "bad value in the environment" "exit 2" "exit $rc: $err" "$(ok test $rc = 2 && onelines)"

# ---- settings and resource limits -------------------------------------------
set_case() {
	local name=$1
	shift
	local t0 t
	t0=$(date +%s.%N)
	run "$@" fixture.mp4 fixture.mp4
	t=$(echo "$(date +%s.%N) - $t0" | bc)
	row settings "$name" "exit 2 before any work, one line" "exit $rc after ${t%??????} s: $err" "$(ok test $rc = 2 -a ! -d out-set/fixture && onelines)"
}
set_case "--threads 1000000" "$ks" analyze --threads 1000000 --out out-set
set_case "--lanes 100000" "$ks" analyze --lanes 100000 --out out-set
set_case "--jobs 1000" "$ks" analyze --jobs 1000 --out out-set
set_case "--video-max-side 1" "$ks" analyze --video-max-side 1 --out out-set
set_case "--image-fps Inf" "$ks" analyze --image-fps Inf --out out-set
set_case "KNEESCREEN_VIDEO_ENCODER=bogus" env KNEESCREEN_VIDEO_ENCODER=bogus "$ks" analyze --out out-set
echo "not onnx" >junk.onnx
set_case "--model junk.onnx" "$ks" analyze --model junk.onnx --out out-set
set_case "--model missing.onnx" "$ks" analyze --model missing.onnx --out out-set
echo file >afile
set_case "--out under a regular file" "$ks" analyze --out afile/out
(ulimit -n 24; "$ks" analyze "${fast[@]}" --formats json --jobs 2 --out out-nofile d1/a.mp4 d2/a.mp4 a-2.mp4 A.mp4 >"$work/.out" 2>"$work/.err")
rc=$?
err=$(head -1 "$work/.err")
row "resource limits" "24 open files (ulimit -n), batch of 4 at 2 jobs" "exit 0, or one line per input" "exit $rc${err:+: $err}" "$(ok onelines)"
(ulimit -v 2500000; "$ks" analyze "${fast[@]}" --formats json --out out-vmem fixture.mp4 >"$work/.out" 2>"$work/.err")
rc=$?
row "resource limits" "2.5 GB address space (ulimit -v)" "exit 0" "exit $rc" "$(ok test $rc = 0)"
(ulimit -v 1500000; "$ks" analyze "${fast[@]}" --formats json --out out-vmem2 fixture.mp4 >"$work/.out" 2>"$work/.err")
rc=$?
err=$(grep -m1 'fatal error' "$work/.err")
row "resource limits" "1.5 GB address space (ulimit -v): OpenCV's libraries leave the Go runtime too little" "no output at all (the runtime cannot start)" "exit $rc: $err" "$(ok test ! -e out-vmem2/report.json)"

echo
echo "$n cases, $fails failed"
[ "$fails" = 0 ]
