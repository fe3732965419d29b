// Times onnxruntime (CPU execution provider) on kneescreen's converted ONNX
// models, to compare with the engine's Go benchmarks on the same files:
//
//   go test ./models/engine -run '^$' -bench 'BlazePose|MoveNet' -benchtime 40x
//
// usage: node bench.js [-runs N] MODEL.onnx...
//   (ONNXRUNTIME_NODE_INSTALL=skip npm ci installs onnxruntime-node without
//   the CUDA binaries it would otherwise fetch from NuGet.)
//
// Each model runs at 1 and 2 intra-op threads, sequential execution, all
// graph optimisations, every output computed, on a fixed input (a smooth
// pattern; timings do not depend on the values). After 5 warm-up runs it
// prints the median and the fastest of N runs (default 40) in milliseconds,
// and the process's CPU time per run: at 1 thread it is the inference's own
// cost even on a busy machine, like the Go benchmark's cpu-ms/inference (at
// 2 threads it includes the workers' spinning).
// Not run by the tests or CI.
const ort = require('onnxruntime-node');
const path = require('path');

function input(meta) {
  const shape = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const n = shape.reduce((a, b) => a * b, 1);
  if (meta.type === 'int32') {
    const v = new Int32Array(n);
    for (let i = 0; i < n; i++) v[i] = Math.round(128 + 100 * Math.sin(i / 97));
    return new ort.Tensor('int32', v, shape);
  }
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(i / 97);
  return new ort.Tensor('float32', v, shape);
}

(async () => {
  let args = process.argv.slice(2);
  let runs = 40;
  if (args[0] === '-runs') { runs = parseInt(args[1], 10); args = args.slice(2); }
  if (args.length === 0) {
    console.error('usage: node bench.js [-runs N] MODEL.onnx...');
    process.exit(2);
  }
  console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version}, ${runs} runs`);
  console.log('model\tthreads\tmedian_ms\tmin_ms\tcpu_ms');
  for (const file of args) {
    for (const threads of [1, 2]) {
      const s = await ort.InferenceSession.create(file, {
        executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1,
        executionMode: 'sequential', graphOptimizationLevel: 'all',
      });
      const feeds = {};
      for (const name of s.inputNames) {
        const meta = s.inputMetadata.find((m) => m.name === name);
        feeds[name] = input(meta);
      }
      for (let i = 0; i < 5; i++) await s.run(feeds);
      const t = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < runs; i++) {
        const t0 = process.hrtime.bigint();
        await s.run(feeds);
        t.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      const cpu = process.cpuUsage(cpu0);
      t.sort((a, b) => a - b);
      const cpuMs = (cpu.user + cpu.system) / 1000 / runs;
      console.log(`${path.basename(file, '.onnx')}\t${threads}\t${t[Math.floor(t.length / 2)].toFixed(2)}\t${t[0].toFixed(2)}\t${cpuMs.toFixed(2)}`);
      await s.release();
    }
  }
})().catch((e) => { console.error(e.message || e); process.exit(1); });
