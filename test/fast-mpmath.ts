/**
 * Test helper for the fast path: correctly rounded expected values from python3 + mpmath
 * (mp.dps = 50, raised Ziv-style until two precisions give the same rounded result;
 * every input double converted exactly with mpf(float(v)); results rounded
 * to float64 or float32 correctly, subnormals and overflow included). All jobs of a test
 * file go to ONE python subprocess (mpBatch). When python3 or mpmath is missing,
 * mpmathStatus() says why and the tests skip with that reason.
 *
 * Also: ULP distances (googletest AlmostEquals mapping) and a seeded RNG.
 */
import { spawnSync } from 'node:child_process';

export type Dtype = 'float64' | 'float32';
export type Job = { op: string; dtype: Dtype; [k: string]: unknown };
export type MpResult = number | number[] | number[][];

/** the interpreter: XENT_PYTHON, default python3 */
const PYTHON = process.env.XENT_PYTHON || 'python3';
let status: { ok: boolean; reason: string } | undefined;

export function mpmathStatus(): { ok: boolean; reason: string } {
  if (status) return status;
  const r = spawnSync(PYTHON, ['-c', 'import mpmath, sys; print(mpmath.__version__)'], { encoding: 'utf8' });
  if (r.error) status = { ok: false, reason: `${PYTHON} is not available (${r.error.message})` };
  else if (r.status !== 0) status = { ok: false, reason: `${PYTHON} cannot import mpmath: ${r.stderr.trim().split('\n').pop()}` };
  else status = { ok: true, reason: `mpmath ${r.stdout.trim()}` };
  return status;
}

const PY = String.raw`
import sys, json
from mpmath import mp, mpf, exp, log, log1p, fsum, nint, isnan, isinf
from mpmath.libmp import mpf_pos, round_nearest
mp.dps = 50
INF = mpf('inf')

def inp(v):
    if isinstance(v, str):
        return {'Infinity': INF, '-Infinity': -INF, 'NaN': mpf('nan')}[v]
    return mpf(float(v))

def out(v):
    f = v
    if isinstance(f, float):
        if f != f: return 'NaN'
        if f == float('inf'): return 'Infinity'
        if f == float('-inf'): return '-Infinity'
    return f

TWO = mpf(2)
def rnd(v, dtype):
    if isnan(v): return float('nan')
    if isinf(v): return float(v)
    if v == 0: return 0.0
    if dtype == 'float64':
        p, emin, emax = 53, -1022, 1024
    else:
        p, emin, emax = 24, -126, 128
    # no rounded arithmetic on v here (abs() would round to the working precision and
    # lose the tail that decides a tie): round the exact value once
    if mp.mag(v) <= emin:
        q = nint(mp.fmul(v, TWO ** (p - 1 - emin), exact=True))
        return float(q) * 2.0 ** (emin - p + 1)
    r = mp.make_mpf(mpf_pos(v._mpf_, p, round_nearest))
    if abs(r) >= TWO ** emax:
        return float('inf') if r > 0 else float('-inf')
    return float(r)

def add_exact(a, b):
    # a + b exactly enough to round correctly: exact sum, or when the magnitudes are too
    # far apart for an exact sum, the larger plus a sign-preserving far-below-ulp nudge
    if a == 0: return b
    if b == 0: return a
    if isinf(a) or isinf(b) or isnan(a) or isnan(b): return a + b
    ma, mb = mp.mag(a), mp.mag(b)
    if mb < ma - 3000: return mp.fadd(a, mp.sign(b) * TWO ** (ma - 3000), exact=True)
    if ma < mb - 3000: return mp.fadd(b, mp.sign(a) * TWO ** (mb - 3000), exact=True)
    return mp.fadd(a, b, exact=True)

def mul_exact(a, b):
    if a == 0 or b == 0 or isinf(a) or isinf(b) or isnan(a) or isnan(b): return a * b
    return mp.fmul(a, b, exact=True)

def sub_exact(d, L):
    # d - L exactly enough to round correctly (L >= 0; d exact)
    if L == 0: return d
    if d == 0: return -L
    if isinf(d) or isinf(L): return d - L
    if mp.mag(L) < mp.mag(d) - 3000:
        return mp.fsub(d, TWO ** (mp.mag(d) - 3000), exact=True)
    return mp.fsub(d, L, exact=True)

def rows(a): return [[inp(v) for v in r] for r in a]
def vec(a): return [inp(v) for v in a]

def softmax_row(x):
    # returns m, e = exp(x - m), S = sum e, L = log S (as log1p of the sum of the others)
    m = max(x)
    k = x.index(m)
    e = [exp(v - m) for v in x]
    s = fsum([e[i] for i in range(len(x)) if i != k])
    return m, e, 1 + s, log1p(s)

def lse_row(x):
    m, e, S, L = softmax_row(x)
    return m + L

def logsig(v):
    # log sigma(v) = -log1p(exp(-v))
    return -log1p(exp(-v))

def sig(v): return 1 / (1 + exp(-v))

def sig_pair(v):
    # (sigma(v), sigma(-v)) with the one near 1 kept as 1 - (the small one), exactly
    if v >= 0:
        small = sig(-v)
        return add_exact(1, -small), small
    small = sig(v)
    return small, add_exact(1, -small)

def coef_ce(C, y, t, w, eps, c):
    # a_{n,c}
    wc = w[c] if w is not None else mpf(1)
    if t is not None:
        return wc * ((1 - eps) * t[c] + eps / C)
    return wc * ((1 - eps) * (1 if c == y else 0) + eps / C)

def reduce_(ls, red, D):
    if red == 'none': return ls
    s = fsum(ls)
    if red == 'sum': return s
    if D == 0: return mpf('nan')
    return s / D

def ce_parts(j):
    X = rows(j['logits']); N = len(X); C = len(X[0])
    w = vec(j['weight']) if j.get('weight') is not None else None
    eps = inp(j.get('label_smoothing', 0))
    ign = j.get('ignore_index', -100)
    tgt = j['target']
    prob = len(tgt) > 0 and isinstance(tgt[0], list)
    ls = []; coefs = []; D = mpf(0)
    for n in range(N):
        x = X[n]
        if prob:
            t = vec(tgt[n]); y = None
        else:
            t = None; y = int(tgt[n])
            if y == ign:
                ls.append(mpf(0)); coefs.append(None); continue
            D += (w[y] if w is not None else 1)
        m, e, S, L = softmax_row(x)
        a = [coef_ce(C, y, t, w, eps, c) for c in range(C)]
        l = mpf(0)
        for c in range(C):
            if a[c] != 0:
                l = add_exact(l, mul_exact(a[c], add_exact(L, -mp.fsub(x[c], m, exact=True))))
        k = x.index(m)
        sk = fsum([e[i] for i in range(C) if i != k])
        ls.append(l); coefs.append((a, e, S, k, sk))
    if prob: D = mpf(N)
    return ls, coefs, D

def go(j):
    op = j['op']; dt = j['dtype']
    R = lambda v: rnd(v, dt)
    if op in ('softmax', 'log_softmax', 'logsumexp'):
        res = []
        for x in rows(j['logits']):
            if op == 'logsumexp':
                res.append(R(lse_row(x))); continue
            m, e, S, L = softmax_row(x)
            if op == 'softmax': res.append([R(v / S) for v in e])
            else:
                # exact (x - m) - L: the tiny L of a far-from-max entry must survive a float32 tie
                res.append([R(sub_exact(mp.fsub(v, m, exact=True), L)) for v in x])
        return res
    if op == 'sigmoid': return [R(sig(v)) for v in vec(j['x'])]
    if op == 'log_sigmoid': return [R(logsig(v)) for v in vec(j['x'])]
    if op == 'softplus': return [R(log1p(exp(v))) for v in vec(j['x'])]
    if op == 'sigmoid_backward':
        return [R(g * sig(v) * sig(-v)) for v, g in zip(vec(j['x']), vec(j['grad_output']))]
    if op in ('softmax_backward', 'log_softmax_backward'):
        res = []
        for x, g in zip(rows(j['logits']), rows(j['grad_output'])):
            m, e, S, L = softmax_row(x)
            k = x.index(m)
            p = [v / S for v in e]
            if op == 'softmax_backward':
                # g_j - <g, p> = (g_j - g_k) + sum_{i != k} p_i (g_k - g_i): exact at the max
                nu = fsum([p[i] * (g[k] - g[i]) for i in range(len(g)) if i != k])
                res.append([R(pi * ((gi - g[k]) + nu)) for gi, pi in zip(g, p)])
            else:
                G = fsum(g)
                qk = fsum([e[i] for i in range(len(e)) if i != k]) / S  # 1 - p_k
                out_ = [R(gi - pi * G) for gi, pi in zip(g, p)]
                out_[k] = R(-fsum([g[i] for i in range(len(g)) if i != k]) + qk * G)
                res.append(out_)
        return res
    if op == 'cross_entropy':
        ls, _, D = ce_parts(j)
        r = reduce_(ls, j['reduction'], D)
        return [R(v) for v in r] if isinstance(r, list) else R(r)
    if op == 'cross_entropy_backward':
        ls, coefs, D = ce_parts(j)
        red = j['reduction']; go_ = j.get('grad_output', 1)
        res = []
        for n, cf in enumerate(coefs):
            C = len(j['logits'][0])
            if cf is None: res.append([0.0] * C); continue
            a, e, S, k, sk = cf
            A = fsum(a)
            g = inp(go_[n]) if red == 'none' else inp(go_)
            den = D if red == 'mean' else 1
            row = []
            for c in range(C):
                # p_c A - a_c = p_c (A - a_c) - (1 - p_c) a_c, with 1 - p_c = (S - e_c) / S
                q = sk / S if c == k else add_exact(1, -(e[c] / S))
                v = add_exact(mul_exact(e[c] / S, A - a[c]), -mul_exact(q, a[c]))
                v = mul_exact(v, g)
                row.append(R(v / den if den != 1 else v))
            res.append(row)
        return res
    if op == 'nll_loss':
        LP = rows(j['log_probs']); w = vec(j['weight']) if j.get('weight') is not None else None
        ign = j.get('ignore_index', -100); ls = []; D = mpf(0)
        for n, y in enumerate(j['target']):
            y = int(y)
            if y == ign: ls.append(mpf(0)); continue
            wy = w[y] if w is not None else mpf(1)
            D += wy
            ls.append(-wy * LP[n][y] if wy != 0 else mpf(0))
        r = reduce_(ls, j['reduction'], D)
        return [R(v) for v in r] if isinstance(r, list) else R(r)
    if op in ('binary_cross_entropy', 'binary_cross_entropy_backward'):
        P = vec(j['probs']); T = vec(j['target']); N = len(P)
        w = vec(j['weight']) if j.get('weight') is not None else [mpf(1)] * N
        red = j['reduction']
        if op == 'binary_cross_entropy':
            ls = []
            for p, t, wn in zip(P, T, w):
                s = mpf(0)
                if t != 0: s += t * log(p)
                if 1 - t != 0: s += (1 - t) * log1p(-p)
                ls.append(-wn * s)
            r = reduce_(ls, red, mpf(N))
            return [R(v) for v in r] if isinstance(r, list) else R(r)
        go_ = j.get('grad_output', 1); den = N if red == 'mean' else 1; res = []
        for n, (p, t, wn) in enumerate(zip(P, T, w)):
            g = inp(go_[n]) if red == 'none' else inp(go_)
            d = mpf(0)
            if t != 0: d += -t / p if p != 0 else -INF
            if 1 - t != 0: d += (1 - t) / (1 - p) if p != 1 else INF
            res.append(R(g * wn * d / den) if (wn != 0 and g != 0) or not isinf(d) else 0.0)
        return res
    if op in ('binary_cross_entropy_with_logits', 'binary_cross_entropy_with_logits_backward'):
        X = vec(j['logits']); T = vec(j['target']); N = len(X)
        w = vec(j['weight']) if j.get('weight') is not None else [mpf(1)] * N
        pw = inp(j.get('pos_weight', 1)); red = j['reduction']
        if op == 'binary_cross_entropy_with_logits':
            ls = []
            def sp(v):  # softplus(v) = max(v, 0) + log1p(exp(-|v|)), kept exact enough for ties
                return add_exact(max(v, 0), log1p(exp(-abs(v))))
            for x, t, wn in zip(X, T, w):
                s = mpf(0)
                if pw * t != 0: s = add_exact(s, mul_exact(pw * t, sp(-x)))
                if 1 - t != 0: s = add_exact(s, mul_exact(1 - t, sp(x)))
                ls.append(mul_exact(wn, s))
            r = reduce_(ls, red, mpf(N))
            return [R(v) for v in r] if isinstance(r, list) else R(r)
        go_ = j.get('grad_output', 1); den = N if red == 'mean' else 1; res = []
        for n, (x, t, wn) in enumerate(zip(X, T, w)):
            g = inp(go_[n]) if red == 'none' else inp(go_)
            sx, smx = sig_pair(x)
            v = add_exact(mul_exact(1 - t, sx), -mul_exact(pw * t, smx))
            v = mul_exact(mul_exact(v, g), wn)
            res.append(R(v / den if den != 1 else v))
        return res
    raise ValueError('unknown op ' + op)

def enc(v):
    if isinstance(v, list): return [enc(u) for u in v]
    return out(v)

def same(a, b):
    if isinstance(a, list): return len(a) == len(b) and all(same(u, v) for u, v in zip(a, b))
    return a == b or (a != a and b != b)

def ziv(j):
    # Ziv-style: evaluate at 50 digits and at 80; while the correctly rounded results
    # differ (cancellation ate the working precision), double the precision.
    d = 50
    with mp.workdps(d): r1 = go(j)
    while d < 5000:
        d2 = int(d * 1.6) if d == 50 else d * 2
        with mp.workdps(d2): r2 = go(j)
        if same(r1, r2): return r2
        r1, d = r2, d2
    raise RuntimeError('mpmath did not converge for ' + j['op'])

import time
jobs = json.load(sys.stdin)
res = []
for j in jobs:
    t0 = time.time()
    res.append(enc(ziv(j)))
    dt = time.time() - t0
    if dt > 2 and len(sys.argv) > 1: print('slow job', j['op'], j['dtype'], round(dt, 1), file=sys.stderr)
json.dump(res, sys.stdout)
`;

function encode(v: unknown): unknown {
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Infinity) return 'Infinity';
    if (v === -Infinity) return '-Infinity';
    return v;
  }
  if (Array.isArray(v)) return v.map(encode);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>).map(encode);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = encode(x);
    return o;
  }
  return v;
}

function decode(v: unknown): MpResult {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (Array.isArray(v)) return v.map(decode) as number[];
  return v as number;
}

/** Evaluate every job in one python3 subprocess; results correctly rounded to each job's dtype. */
export function mpBatch(jobs: Job[]): MpResult[] {
  if (jobs.length === 0) return [];
  const r = spawnSync(PYTHON, ['-c', PY, ...(process.env.XENT_MP_PROFILE ? ['profile'] : [])], {
    input: JSON.stringify(encode(jobs)),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`mpmath subprocess failed: ${r.stderr}`);
  if (r.stderr) console.warn(r.stderr);
  return (JSON.parse(r.stdout) as unknown[]).map(decode);
}

// ---------------------------------------------------------------------------------------
// ULP distances

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);
const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

function biased64(x: number): bigint {
  f64[0] = x;
  const b = i64[0];
  return b < 0n ? -(b & 0x7fffffffffffffffn) : b;
}

/** ULP distance between two doubles (+0/-0 are 0 apart, two NaN are 0 apart, NaN vs number is Infinity). */
export function ulp64(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const d = biased64(a) - biased64(b);
  return Number(d < 0n ? -d : d);
}

function biased32(x: number): number {
  f32[0] = x;
  const b = i32[0];
  return b < 0 ? -(b & 0x7fffffff) : b;
}

export function ulp32(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  return Math.abs(biased32(a) - biased32(b));
}

export function ulp(dtype: Dtype, a: number, b: number): number {
  return dtype === 'float64' ? ulp64(a, b) : ulp32(a, b);
}

export function flat(v: MpResult | ArrayLike<number>): number[] {
  if (typeof v === 'number') return [v];
  const a = Array.from(v as ArrayLike<number | number[]>);
  return a.flatMap((x) => (Array.isArray(x) ? x : [x]));
}

/** max ULP distance of two results and the index where it occurs */
export function maxUlp(dtype: Dtype, got: MpResult | ArrayLike<number>, want: MpResult): { max: number; at: number } {
  const g = flat(got);
  const w = flat(want);
  if (g.length !== w.length) throw new Error(`length mismatch: got ${g.length}, want ${w.length}`);
  let max = 0;
  let at = -1;
  for (let i = 0; i < g.length; i++) {
    const d = ulp(dtype, g[i], w[i]);
    if (d > max) {
      max = d;
      at = i;
    }
  }
  return { max, at };
}

// ---------------------------------------------------------------------------------------
// deterministic RNG (mulberry32) and normal samples

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normal(r: () => number): number {
  const u = r() || 1e-12;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}
