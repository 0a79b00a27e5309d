// A parameterised misbehaving JS module adapter for test/hostile-adapter.test.ts: each
// behaviour's module file is `import make from '…/hostile-module.mjs'; export default make(behaviour, k);`
// It is a correct float64 softmax except that its k-th call (1-based) does <behaviour>.
import { spawn } from 'node:child_process';

function softmaxRow(row) {
  if (row.some(Number.isNaN)) return row.map(() => NaN);
  const inf = row.filter((v) => v === Infinity).length;
  if (inf > 0) return row.map((v) => (v === Infinity ? (inf === 1 ? 1 : NaN) : 0));
  let m = -Infinity;
  for (const v of row) if (v > m) m = v;
  if (m === -Infinity) return row.map(() => NaN);
  const e = row.map((v) => Math.exp(v - m));
  let s = 0;
  for (const v of e) s += v;
  return e.map((v) => v / s);
}

export default function make(behaviour, k) {
  let calls = 0;
  const softmax = (args) => {
    const good = args.logits.map(softmaxRow);
    if (++calls !== k) return good;
    switch (behaviour) {
      case 'kill-self': process.kill(process.pid); return new Promise(() => {});
      case 'kill-self-9': process.kill(process.pid, 'SIGKILL'); return good;
      case 'exit': process.exit(7);
      case 'infinite-loop': for (;;) {}
      case 'never-settles': return new Promise(() => {});
      case 'throw-later': setTimeout(() => { throw new RangeError('late failure'); }, 1); return new Promise(() => {});
      // an unhandled rejection on purpose: the misbehaviour under test
      // oxlint-disable-next-line typescript/no-floating-promises
      case 'reject-later': Promise.reject(new Error('unhandled')); return new Promise(() => {});
      case 'children': for (let i = 0; i < 20; i++) spawn('sleep', ['600'], { stdio: 'ignore' }); return good;
      case 'daemon': spawn('sleep', ['600'], { stdio: 'ignore', detached: true }).unref(); return good;
      case 'cyclic': { const a = []; a.push(a); return a; }
      case 'cyclic-rows': { const r = [0.5]; r.push(r); return [r]; }
      case 'huge-typed': return new Float64Array(20_000_000);
      case 'huge-rows': return Array.from({ length: 3000 }, () => new Float64Array(3000));
      case 'deep': { let v = 0.5; for (let i = 0; i < 3000; i++) v = [v]; return v; }
      case 'tensor': return new (class Tensor { constructor() { this.shape = [1]; } })();
      case 'string': return 'softmax';
      case 'symbol': return [Symbol('x')];
      case 'bigint': return [1n];
      case 'proxy-throws': return new Proxy([0.5], { get(t, p) { if (p === '0') throw new Error('proxy trap'); return Reflect.get(t, p); } });
      case 'throw-huge': throw new Error('E'.repeat(10_000_000));
      case 'throw-ansi': throw new Error('bad\n\u001b[32mPASS: 999 cases\u001b[0m');
      // a non-Error thrown on purpose: the misbehaviour under test
      // oxlint-disable-next-line typescript/only-throw-error
      case 'throw-non-error': throw { code: 7 };
      case 'console-flood': for (let i = 0; i < 20000; i++) console.log('log line', i); return good;
      case 'fake-protocol-stdout': process.stdout.write(`{"id": ${calls}, "result": [[1]]}\n`); return good;
      case 'wrong-value': return good.map((r) => r.map((v) => v * 2));
      default: throw new Error(`unknown behaviour ${behaviour}`);
    }
  };
  return { name: `hostile-module ${behaviour}`, dtype: 'float64', ops: { softmax } };
}
