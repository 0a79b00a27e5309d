// Exhaustive float32 check (src/verify/exhaustive.ts) of one op for a built-in implementation:
//   npm run build && nice node scripts/exhaustive-float32.mjs --op sigmoid --impl fast|tfjs|naive
//        [--from 0x00000000] [--to 0x100000000] [--shard i/n] [--out report.json]
// `fast` is the shipped float32 fast path (src/fast: double evaluation, one rounding to
// float32), `tfjs` @tensorflow/tfjs-core's CPU backend (tf.sigmoid / tf.logSigmoid /
// tf.softplus on float32 tensors, a devDependency), `naive` 1/(1 + Math.exp(−x)) and friends in
// double then rounded. Prints the report (JSON) and the worst case.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const root = new URL('..', import.meta.url).pathname;
const { exhaustive } = await import(`${root}/dist/verify/exhaustive.js`);
const { values } = parseArgs({
  options: {
    op: { type: 'string', default: 'sigmoid' },
    impl: { type: 'string', default: 'fast' },
    from: { type: 'string', default: '0' },
    to: { type: 'string', default: String(2 ** 32) },
    shard: { type: 'string' },
    out: { type: 'string' },
  },
});
const op = values.op;
if (!['sigmoid', 'log_sigmoid', 'softplus'].includes(op)) {
  console.error(`--op = ${JSON.stringify(op)} must be sigmoid, log_sigmoid or softplus`);
  process.exit(2);
}
let from = Number(values.from);
let to = Number(values.to);
if (values.shard) {
  const m = /^(\d+)\/(\d+)$/.exec(values.shard);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || !(i >= 1 && i <= n)) {
    console.error(`--shard = ${JSON.stringify(values.shard)} must be i/n with 1 <= i <= n`);
    process.exit(2);
  }
  const size = Math.ceil((to - from) / n);
  const f = from + (i - 1) * size;
  to = Math.min(to, f + size);
  from = f;
}
let impl;
if (values.impl === 'fast') {
  const fast = await import(`${root}/dist/fast/elementwise.js`);
  const f = { sigmoid: fast.sigmoid, log_sigmoid: fast.logSigmoid, softplus: fast.softplus }[op];
  impl = (x) => f(x);
} else if (values.impl === 'tfjs') {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
  const f = { sigmoid: tf.sigmoid, log_sigmoid: tf.logSigmoid, softplus: tf.softplus }[op];
  impl = (x) => {
    const t = tf.tensor1d(x, 'float32');
    const y = f(t);
    const out = y.dataSync();
    t.dispose();
    y.dispose();
    return out;
  };
} else if (values.impl === 'naive') {
  const f = {
    sigmoid: (v) => 1 / (1 + Math.exp(-v)),
    log_sigmoid: (v) => -Math.log1p(Math.exp(-v)),
    softplus: (v) => Math.log1p(Math.exp(v)),
  }[op];
  impl = (x) => x.map(f);
} else {
  console.error(`--impl = ${JSON.stringify(values.impl)} must be fast, tfjs or naive`);
  process.exit(2);
}
let last = 0;
const report = await exhaustive(op, impl, {
  from,
  to,
  onProgress: (done, total) => {
    if (done - last >= 2 ** 26 || done === total) {
      last = done;
      console.error(`${op}/${values.impl}: ${done}/${total}`);
    }
  },
});
const json = JSON.stringify(report, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2);
if (values.out) writeFileSync(values.out, json + '\n');
console.log(json);
if (report.worst) {
  const w = report.worst;
  console.log(`worst: ${op}(${w.x}) [bits ${w.bits}] = ${w.got}, correctly rounded ${w.want}: ${w.ulp} ulp`);
} else console.log('every output correctly rounded');
