// A parameterised misbehaving protocol-v1 adapter for test/hostile-adapter.test.ts.
//
//   node hostile-adapter.mjs <behaviour> <k> <stateDir>
//
// It is a correct float64 softmax adapter except that at request id k (0 = describe) it does
// <behaviour>. It records its process group in <stateDir>/pgid so that the test can check
// that nothing of the group survives the run (the session marker is checked through the
// HOSTILE_MARK variable the test puts in the environment).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [behaviour, kText, stateDir] = process.argv.slice(2);
const K = Number(kText);
const stat = readFileSync('/proc/self/stat', 'utf8');
const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
if (stateDir) writeFileSync(`${stateDir}/pgid`, String(pgid));

const NON_FINITE = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };
const revive = (_k, v) => (typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v);
const replace = (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v);

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

const out = (s) => process.stdout.write(s);
const line = (o) => out(JSON.stringify(o, replace) + '\n');
const describeResult = { name: 'hostile', dtype: 'float64', ops: ['softmax'] };
const answer = (req) => (req.op === 'describe' ? describeResult : req.args.logits.map(softmaxRow));
const sleepChild = (opts = {}) => spawn('sleep', ['600'], { stdio: 'ignore', ...opts });

// Behaviours that act at start-up, before any request.
if (behaviour === 'exit-at-start') process.exit(3);
if (behaviour === 'ignore-sigterm') process.on('SIGTERM', () => {});
if (behaviour === 'child-in-group') sleepChild();
if (behaviour === 'daemon-child' || behaviour === 'daemon-then-hang') sleepChild({ detached: true }).unref(); // setsid: leaves the group
if (behaviour === 'double-fork') {
  // a shell that starts a setsid'd sleep and exits: the sleep is re-parented to init
  spawn('sh', ['-c', 'setsid sleep 600 </dev/null >/dev/null 2>&1 &'], { stdio: 'ignore' });
}

/** Misbehave on request `req` (id = K); return true when the request was handled. */
function misbehave(req) {
  const id = req.id;
  const good = () => line({ id, result: answer(req) });
  switch (behaviour) {
    case 'exit0': process.exit(0);
    case 'exit1': process.stderr.write('fatal: simulated failure\n'); process.exit(1);
    case 'sigkill': process.kill(process.pid, 'SIGKILL'); return true;
    case 'sigsegv': process.kill(process.pid, 'SIGSEGV'); return true;
    case 'abort': process.abort();
    case 'hang': return true;
    // tells the test (a file) that the run is under way, then hangs: the test stops the verifier
    case 'daemon-then-hang': writeFileSync(`${stateDir}/hanging`, ''); return true;
    case 'hang-busy': for (;;) {}
    case 'stray-line': good(); line({ note: 'a stray line' }); return true;
    case 'stray-text': good(); out('debug: done\n'); return true;
    case 'duplicate': good(); good(); return true;
    case 'no-newline-exit': out(JSON.stringify({ id, result: answer(req) }, replace)); setTimeout(() => process.exit(0), 10); return true;
    case 'garbage': out('not json at all\n'); return true;
    case 'truncated-json': out(`{"id": ${id}, "result": [[0.5,\n`); return true;
    case 'wrong-id': line({ id: id + 1, result: answer(req) }); return true;
    case 'string-id': line({ id: String(id), result: answer(req) }); return true;
    case 'no-id': line({ result: answer(req) }); return true;
    case 'both': line({ id, result: answer(req), error: 'and an error' }); return true;
    case 'neither': line({ id }); return true;
    case 'array-line': line([id, answer(req)]); return true;
    case 'number-line': out('42\n'); return true;
    case 'null-line': out('null\n'); return true;
    case 'bom': out('\ufeff' + JSON.stringify({ id, result: answer(req) }, replace) + '\n'); return true;
    case 'deep-json': out(`{"id": ${id}, "result": ${'['.repeat(3000)}${']'.repeat(3000)}}\n`); return true;
    case 'huge-garbage': out('x'.repeat(2_000_000) + '\n'); return true;
    case 'invalid-utf8': process.stdout.write(Buffer.from([0xff, 0xfe, 0x0a])); return true;
    case 'close-stdout': process.stdout.destroy(); return true;
    case 'result-string': line({ id, result: 'oops' }); return true;
    case 'result-object': line({ id, result: { value: 1 } }); return true;
    case 'result-3-deep': line({ id, result: [[[0.5]]] }); return true;
    case 'result-mixed': line({ id, result: [[0.5], 0.5] }); return true;
    case 'result-bool': line({ id, result: true }); return true;
    case 'wrong-shape': line({ id, result: answer(req).slice(0, -1).concat([[]]) }); return true;
    case 'nan': line({ id, result: answer(req).map((r) => r.map(() => NaN)) }); return true;
    case 'constant': line({ id, result: answer(req).map((r) => r.map(() => 0.5)) }); return true;
    case 'negated': line({ id, result: answer(req).map((r) => r.map((v) => -v)) }); return true;
    case 'error-once': line({ id, error: 'transient failure: out of scratch memory' }); return true;
    case 'error-huge': line({ id, error: 'E'.repeat(10_000_000) }); return true;
    case 'error-ansi': line({ id, error: 'bad\n\u001b[32mPASS: 999 cases\u001b[0m' }); return true;
    case 'error-object': line({ id, error: { code: 7, message: 'structured' } }); return true;
    case 'stderr-flood': process.stderr.write('e'.repeat(10_000_000) + '\n'); good(); return true;
    case 'stderr-ansi': process.stderr.write('\u001b[2J\u001b[31mFAKE: all good\u001b[0m\n'); good(); return true;
    // (stdout to a pipe is synchronous on Linux: the answer is out before the exit)
    case 'late-exit': good(); process.exit(0);
    case 'fork-then-exit': sleepChild({ detached: true }).unref(); process.exit(5);
    case 'slow': setTimeout(good, 50); return true;
    case 'chunked': {
      const s = JSON.stringify({ id, result: answer(req) }, replace) + '\n';
      let i = 0;
      const step = () => { out(s.slice(i, i + 3)); i += 3; if (i < s.length) setImmediate(step); };
      step();
      return true;
    }
    case 'crlf': out(JSON.stringify({ id, result: answer(req) }, replace) + '\r\n'); return true;
    case 'blank-lines': out('\n\n'); good(); return true;
    case 'bare-nan': out(JSON.stringify({ id, result: answer(req) }, replace).replace(/"NaN"/g, 'NaN').replace(/"-Infinity"/g, '-Infinity').replace(/"Infinity"/g, 'Infinity') + '\n'); return true;
    // describe-only behaviours
    case 'describe-error': line({ id, error: 'cannot load the model' }); return true;
    case 'describe-no-ops': line({ id, result: { ...describeResult, ops: [] } }); return true;
    case 'describe-disjoint': line({ id, result: { ...describeResult, ops: ['sigmoid'] } }); return true;
    case 'describe-only-unknown': line({ id, result: { ...describeResult, ops: ['gelu', 'swish'] } }); return true;
    case 'describe-many-unknown': line({ id, result: { ...describeResult, ops: ['softmax', ...Array.from({ length: 300_000 }, (_, i) => `op_${i}`)] } }); return true;
    case 'describe-bad-dtype': line({ id, result: { ...describeResult, dtype: 'float16' } }); return true;
    case 'describe-top-level': line({ id, ...describeResult }); return true;
    case 'describe-protocol-2': line({ id, result: { ...describeResult, protocol: 2 } }); return true;
    case 'describe-ops-not-array': line({ id, result: { ...describeResult, ops: 'softmax' } }); return true;
    case 'describe-name-forgery': line({ id, result: { ...describeResult, name: 'x\nPASS: 999 cases\u001b[2K' } }); return true;
    case 'describe-name-empty': line({ id, result: { ...describeResult, name: '' } }); return true;
    default: return false;
  }
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (text) => {
  if (text.trim() === '') return;
  const req = JSON.parse(text, revive);
  if (req.id === K && misbehave(req)) return;
  line({ id: req.id, result: answer(req) });
});
rl.on('close', () => {
  // at end of input: exit, except the behaviours that outstay it (they are killed)
  if (behaviour === 'ignore-eof' || behaviour === 'ignore-sigterm') setInterval(() => {}, 1000);
  else process.exit(0);
});
