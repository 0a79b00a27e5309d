/**
 * Shared test helper: an independent, correctly rounded oracle in python3 + mpmath, plus a few
 * exact utilities (exact decimal expansion of a double, exact rounding of a rational to a
 * binary format) for closed-form expectations.
 *
 * The python side (MP_PRELUDE) implements every op of the catalog from the definitions of
 * docs/semantics.md, NOT from src/: inputs are exact (a double is sent as its shortest
 * round-trip repr and read with float(), then held as a Fraction). Every value is carried as
 * "exact Fraction part + mpmath part": quantities that are rational by structure stay exact
 * (exp(0) = 1, uniform rows, nll_loss, BCE backward, ...), and results of the form
 * "exact + tiny" (x + log1p(e^-|x|), max + log1p(s)) stay decidable even when the exact part
 * is itself a rounding boundary. Each output is decided Ziv-style: evaluated at dps P and
 * P + 40 (P = 80, 160, ...), 4x the difference of the two plus a 10^-(P-2) relative floor is
 * the error bound of the mpmath part, and the output is accepted only when both ends of that
 * interval round to the same 40-digit decimal (half-even, written as decimal.js writes it) and
 * the same float64 / float32 / float16 / bfloat16 value (round-to-nearest-even decided with
 * exact Fraction/integer arithmetic, subnormals and overflow included; never numpy's
 * double-rounding casts).
 *
 * One python process per batch (`mpmathReference`), detection of python3 + mpmath once.
 */
import { spawnSync } from 'node:child_process';
import { it } from 'vitest';

// ---------------------------------------------------------------------------------------
// availability

let status: { ok: boolean; reason: string } | undefined;

/** Is python3 with mpmath available? Detected once per process. */
export function pythonStatus(): { ok: boolean; reason: string } {
  if (status) return status;
  const r = spawnSync('python3', ['-c', 'import mpmath, fractions; print(mpmath.__version__)'], { encoding: 'utf8' });
  if (r.error) status = { ok: false, reason: `python3 is not available (${r.error.message})` };
  else if (r.status !== 0) status = { ok: false, reason: `python3 cannot import mpmath: ${r.stderr.trim().split('\n').pop()}` };
  else status = { ok: true, reason: `mpmath ${r.stdout.trim()}` };
  return status;
}

/**
 * `it` for python-backed checks. Without python3 + mpmath the test is skipped (it.skipIf) and
 * a console.warn names the test and the reason, so a skip is never silent.
 */
export function itPy(name: string, fn: () => void | Promise<void>, timeout?: number): void {
  const s = pythonStatus();
  if (!s.ok) console.warn(`SKIPPED "${name}": ${s.reason} (needed for the independent mpmath oracle)`);
  // oxlint-disable-next-line vitest/expect-expect -- a wrapper: the assertions are in the caller's fn
  it.skipIf(!s.ok)(s.ok ? name : `${name} [skipped: ${s.reason}]`, fn, timeout);
}

/** Run a python script that reads JSON on stdin and prints JSON on stdout. */
export function runPython<T>(script: string, input: unknown): T {
  const r = spawnSync('python3', ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.error) throw new Error(`python3 could not be started: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`python3 failed (exit ${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

// ---------------------------------------------------------------------------------------
// doubles <-> python

/** A double as a string python's float() reads back exactly (shortest round trip; keeps -0). */
export function pyNum(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return Object.is(x, -0) ? '-0.0' : String(x);
}

/** Parse python's repr of a float (shortest round-trip digits, read exactly by Number()). */
export function fromPy(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  return Number(s);
}

/** Deep-map the numbers of an args object to pyNum strings (strings such as reduction stay). */
export function encodeArgs(v: unknown): unknown {
  if (typeof v === 'number') return pyNum(v);
  if (Array.isArray(v)) return v.map(encodeArgs);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeArgs(x)]));
  return v;
}

// ---------------------------------------------------------------------------------------
// exact utilities (independent of src/)

const dv = new DataView(new ArrayBuffer(8));

/** |x| = mant * 2^exp for a finite double, from its bits. */
function bitsOf(x: number): { neg: boolean; mant: bigint; exp: number } {
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  const neg = hi >>> 31 === 1;
  if (biased === 0) return { neg, mant: frac, exp: -1074 };
  return { neg, mant: frac | (1n << 52n), exp: biased - 1075 };
}

/** The exact decimal expansion of a finite double (as a plain decimal string, for decimal.js). */
export function exactDecimal(x: number): string {
  if (!Number.isFinite(x)) throw new RangeError(`exactDecimal(${x})`);
  const { neg, mant, exp } = bitsOf(x);
  if (mant === 0n) return '0';
  let s: string;
  if (exp >= 0) s = (mant << BigInt(exp)).toString();
  else {
    const k = -exp; // mant / 2^k = mant * 5^k / 10^k
    const digits = (mant * 5n ** BigInt(k)).toString().padStart(k + 1, '0');
    s = `${digits.slice(0, digits.length - k)}.${digits.slice(digits.length - k)}`.replace(/\.?0+$/, '');
  }
  return neg ? `-${s}` : s;
}

export type Fmt = 'float64' | 'float32' | 'float16' | 'bfloat16';
const FMT: Record<Fmt, { p: number; emin: number; emax: number }> = {
  float64: { p: 53, emin: -1022, emax: 1023 },
  float32: { p: 24, emin: -126, emax: 127 },
  float16: { p: 11, emin: -14, emax: 15 },
  bfloat16: { p: 8, emin: -126, emax: 127 },
};

function bitLen(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * The value of fmt nearest to (neg ? -1 : 1) * num/den (num >= 0, den > 0), ties to even,
 * gradual underflow, overflow to infinity: the IEEE 754 definition, with exact BigInt
 * arithmetic. Returned as the (exactly equal) double.
 */
export function roundRational(num: bigint, den: bigint, fmt: Fmt, neg = false): number {
  const { p, emin, emax } = FMT[fmt];
  if (num === 0n) return neg ? -0 : 0;
  let E = bitLen(num) - bitLen(den); // floor(log2 r) is E - 1 or E
  const gePow2 = (k: number) => (k >= 0 ? num >= den << BigInt(k) : num << BigInt(-k) >= den);
  if (!gePow2(E)) E -= 1;
  if (E > emax) return neg ? -Infinity : Infinity;
  if (E < emin - p - 1) return neg ? -0 : 0;
  const q = Math.max(E, emin) - p + 1;
  const N = q >= 0 ? num : num << BigInt(-q);
  const D = q >= 0 ? den << BigInt(q) : den;
  let m = N / D;
  const r2 = (N - m * D) * 2n;
  if (r2 > D || (r2 === D && (m & 1n) === 1n)) m += 1n;
  if (bitLen(m) - 1 + q > emax) return neg ? -Infinity : Infinity;
  // m <= 2^p is exact as a double; scale in two steps by powers of two that are normal
  // doubles, so only the (exact, representable) final value can be subnormal
  const v = q >= -1000 ? Number(m) * 2 ** q : Number(m) * 2 ** (q + 600) * 2 ** -600;
  return neg ? -v : v;
}

// ---------------------------------------------------------------------------------------
// the python oracle

/**
 * Python prelude: exact parsing, Fraction/mpf arithmetic, the ops of docs/semantics.md,
 * exact decision of the 40-digit decimal and of the four binary formats, and the Ziv driver.
 * A script that appends a main can use every function below.
 */
export const MP_PRELUDE = String.raw`
import sys, json, math
from fractions import Fraction as Q
from mpmath import mp, mpf

INF = mpf('inf'); NINF = mpf('-inf'); NAN = mpf('nan')

def M(q): return mpf(q.numerator) / q.denominator   # Fraction -> mpf at the current precision

class V:
    """value = q + f: q an exact Fraction, f None (exact value) or an mpf. Keeping the exact part
    apart keeps 'exact + tiny' results (x + log1p(e^-|x|), m + log1p(s), ...) decidable even
    when the exact part is itself a rounding boundary. Specials: q = 0 and f = +-inf or nan."""
    __slots__ = ('q', 'f')
    def __init__(self, q=0, f=None):
        self.q = Q(q); self.f = f
    def exact(self): return self.f is None
    def special(self): return self.f is not None and not mp.isfinite(self.f)
    def nan(self): return self.f is not None and mp.isnan(self.f)
    def pinf(self): return self.special() and not mp.isnan(self.f) and self.f > 0
    def ninf(self): return self.special() and not mp.isnan(self.f) and self.f < 0
    def zero(self): return self.exact() and self.q == 0
    def tot(self): return M(self.q) if self.f is None else (self.f if self.q == 0 else M(self.q) + self.f)

ZERO = V(0); ONE = V(1)

def parse(s):
    f = float(s)
    if f != f: return V(0, NAN)
    if f == math.inf: return V(0, INF)
    if f == -math.inf: return V(0, NINF)
    return V(Q(f))   # exact

def deep(v, f):
    return [deep(x, f) for x in v] if isinstance(v, list) else f(v)

def add(*xs):
    if any(x.special() for x in xs): return V(0, mp.fsum([x.tot() for x in xs]))
    q = sum((x.q for x in xs), Q(0))
    fs = [x.f for x in xs if x.f is not None]
    return V(q, mp.fsum(fs) if fs else None)
def neg(a): return V(-a.q, None if a.f is None else -a.f)
def sub(a, b): return add(a, neg(b))
def mul(a, b):
    if a.special() or b.special():
        if a.zero() or b.zero(): return V(0, NAN)   # 0 * inf: callers apply the zero-coefficient rule first
        return V(0, a.tot() * b.tot())
    fs = []
    if b.f is not None and a.q != 0: fs.append(M(a.q) * b.f)
    if a.f is not None and b.q != 0: fs.append(M(b.q) * a.f)
    if a.f is not None and b.f is not None: fs.append(a.f * b.f)
    exact = a.exact() and b.exact() or a.zero() or b.zero()
    return V(a.q * b.q, None if exact else (mp.fsum(fs) if fs else mpf(0)))
def div(a, b):
    if a.special() or b.special(): return V(0, a.tot() / b.tot())
    if a.zero(): return ZERO
    if b.exact(): return V(a.q / b.q, None if a.f is None else a.f / M(b.q))
    if b.q != 0 and abs(b.f) < abs(M(b.q)) / 2:
        # (qa + fa)/(qb + fb) = qa/qb + fa/qb - (qa + fa)*fb/(qb*(qb + fb)): keeps the exact part
        fs = [-(a.tot() * b.f) / (M(b.q) * b.tot())]
        if a.f is not None: fs.append(a.f / M(b.q))
        return V(a.q / b.q, mp.fsum(fs))
    return V(0, a.tot() / b.tot())
def EXP(v):
    if v.ninf(): return ZERO
    if v.special(): return V(0, mp.exp(v.f))
    if v.exact(): return ONE if v.q == 0 else V(0, mp.exp(M(v.q)))
    return V(0, mp.exp(v.tot()))
def LOG(v):
    if v.exact():
        if v.q == 1: return ZERO
        if v.q == 0: return V(0, NINF)
        if abs(v.q - 1) < Q(1, 2): return V(0, mp.log1p(M(v.q - 1)))
        return V(0, mp.log(M(v.q)))
    return V(0, mp.log(v.tot()))
def LOG1P(v):
    if v.exact():
        return ZERO if v.q == 0 else V(0, mp.log1p(M(v.q)))
    return V(0, mp.log1p(v.tot()))

# ---- rows (docs/semantics.md: masked -inf entries, +inf entries, NaN)
def analyse(x):
    if any(v.nan() for v in x): return ('nan', None)
    pinf = [i for i, v in enumerate(x) if v.pinf()]
    if pinf: return ('posinf', pinf)
    finite = [i for i, v in enumerate(x) if v.exact()]
    if not finite: return ('allmasked', None)
    m = max(x[i].q for i in finite)
    am = next(i for i in finite if x[i].q == m)
    d = [V(x[i].q - m) if x[i].exact() else None for i in range(len(x))]
    e = [EXP(di) if di is not None else ZERO for di in d]
    s = add(*[e[i] for i in range(len(x)) if i != am])
    return ('finite', dict(m=V(m), am=am, d=d, e=e, s=s, S=add(ONE, s)))

def softmax_row(x):
    C = len(x); kind, r = analyse(x)
    if kind in ('nan', 'allmasked'): return [V(0, NAN)] * C
    if kind == 'posinf': return [((ONE if len(r) == 1 else V(0, NAN)) if i in r else ZERO) for i in range(C)]
    out = []
    for j in range(C):
        if r['S'].exact() or not (r['e'][j].exact() and r['e'][j].q == 1): out.append(div(r['e'][j], r['S']))
        else: out.append(sub(ONE, div(r['s'], r['S'])))   # 1/S = 1 - s/S at a maximum
    return out

def log_softmax_row(x):
    C = len(x); kind, r = analyse(x)
    if kind in ('nan', 'allmasked'): return [V(0, NAN)] * C
    if kind == 'posinf': return [((ZERO if len(r) == 1 else V(0, NAN)) if i in r else V(0, NINF)) for i in range(C)]
    L = LOG1P(r['s'])
    return [sub(r['d'][j], L) if r['d'][j] is not None else V(0, NINF) for j in range(C)]

def logsumexp_row(x):
    kind, r = analyse(x)
    if kind == 'nan': return V(0, NAN)
    if kind == 'allmasked': return V(0, NINF)
    if kind == 'posinf': return V(0, INF)
    return add(r['m'], LOG1P(r['s']))

def sig(x):
    if x.nan(): return V(0, NAN)
    if x.pinf(): return ONE
    if x.ninf(): return ZERO
    if x.q >= 0:
        E = EXP(neg(x))
        if E.exact(): return div(ONE, add(ONE, E))
        return sub(ONE, div(E, add(ONE, E)))   # 1 - E/(1+E)
    E = EXP(x)
    return div(E, add(ONE, E))

def softplus(x):
    if x.nan(): return V(0, NAN)
    if x.pinf(): return V(0, INF)
    if x.ninf(): return ZERO
    return add(V(max(x.q, Q(0))), LOG1P(EXP(V(-abs(x.q)))))

def gopt(a, key, dflt): return a[key] if key in a else dflt

def grad_scale(a, n):
    red = gopt(a, 'reduction', 'mean')
    g = a.get('grad_output')
    if red == 'none': return g[n] if g is not None else ONE
    return g if g is not None else ONE

def reduce_(terms, red, D):
    if red == 'none': return terms
    tot = add(*terms)
    if red == 'sum': return tot
    if D == 0: return V(0, NAN)
    return div(tot, V(D))

def ce_prob(a): return isinstance(a['target'][0], list)
def ignored(a, n): return (not ce_prob(a)) and a['target'][n].q == gopt(a, 'ignore_index', V(-100)).q

def ce_coeffs(a, n):
    """a_{n,c} = w_c*((1 - eps)*t_{n,c} + eps/C), exact Fractions; None for an ignored sample"""
    C = len(a['logits'][0]); eps = gopt(a, 'label_smoothing', ZERO).q; w = a.get('weight')
    if ignored(a, n): return None
    if ce_prob(a): t = [v.q for v in a['target'][n]]
    else: y = a['target'][n].q; t = [Q(1) if c == y else Q(0) for c in range(C)]
    return [(w[c].q if w else Q(1)) * ((1 - eps) * t[c] + eps / C) for c in range(C)]

def ce_D(a):
    if ce_prob(a): return Q(len(a['logits']))
    w = a.get('weight')
    return sum(((w[int(a['target'][n].q)].q if w else Q(1)) for n in range(len(a['logits'])) if not ignored(a, n)), Q(0))

def cross_entropy(a):
    C = len(a['logits'][0]); terms = []
    for n, x in enumerate(a['logits']):
        co = ce_coeffs(a, n)
        if co is None: terms.append(ZERO); continue
        lsm = log_softmax_row(x)
        terms.append(add(*[mul(V(co[c]), neg(lsm[c])) for c in range(C) if co[c] != 0]))   # zero-coefficient rule
    return reduce_(terms, gopt(a, 'reduction', 'mean'), ce_D(a))

def cross_entropy_backward(a):
    C = len(a['logits'][0]); red = gopt(a, 'reduction', 'mean')
    D = ce_D(a) if red == 'mean' else Q(1)
    out = []
    for n, x in enumerate(a['logits']):
        co = ce_coeffs(a, n)
        if co is None: out.append([ZERO] * C); continue
        if D == 0: out.append([V(0, NAN)] * C); continue
        A = sum(co, Q(0)); kind, r = analyse(x)
        if kind in ('nan', 'allmasked'): row = [V(0, NAN)] * C
        elif kind == 'posinf':
            row = [(V(A - co[j]) if len(r) == 1 else V(0, NAN)) if j in r else V(-co[j]) for j in range(C)]
        else:
            e = r['e']; row = []
            for j in range(C):
                # p_j*A - a_j = (e_j*(A - a_j) - a_j*sum_{i != j} e_i) / S   (no cancellation as p_j -> 1)
                Sm = add(*[e[i] for i in range(C) if i != j])
                row.append(div(sub(mul(e[j], V(A - co[j])), mul(V(co[j]), Sm)), r['S']))
        g = grad_scale(a, n)
        out.append([div(mul(v, g), V(D)) for v in row])
    return out

def nll_loss(a):
    w = a.get('weight'); ig = gopt(a, 'ignore_index', V(-100)).q; D = Q(0); terms = []
    for n, row in enumerate(a['log_probs']):
        y = a['target'][n].q
        if y == ig: terms.append(ZERO); continue
        wy = w[int(y)].q if w else Q(1); D += wy
        if wy == 0: terms.append(ZERO); continue
        terms.append(mul(V(-wy), row[int(y)]))
    return reduce_(terms, gopt(a, 'reduction', 'mean'), D)

def bce(a):
    terms = []; w = a.get('weight')
    for n, p in enumerate(a['probs']):
        t = a['target'][n].q; wn = w[n].q if w else Q(1)
        if wn == 0: terms.append(ZERO); continue
        parts = []
        if t != 0: parts.append(mul(V(t), LOG(p)))
        if t != 1: parts.append(mul(V(1 - t), LOG(V(1 - p.q))))
        terms.append(mul(V(wn), neg(add(*parts))))
    return reduce_(terms, gopt(a, 'reduction', 'mean'), Q(len(a['probs'])))

def bce_backward(a):
    red = gopt(a, 'reduction', 'mean'); D = Q(len(a['probs'])) if red == 'mean' else Q(1); w = a.get('weight'); out = []
    for n, p in enumerate(a['probs']):
        t = a['target'][n].q; wn = w[n].q if w else Q(1); p = p.q
        if wn == 0: out.append(ZERO); continue
        parts = []
        if t != 0: parts.append(V(-t / p) if p != 0 else V(0, NINF))
        if t != 1: parts.append(V((1 - t) / (1 - p)) if p != 1 else V(0, INF))
        out.append(div(mul(add(*parts), mul(V(wn), grad_scale(a, n))), V(D)))
    return out

def bce_logits(a):
    terms = []; w = a.get('weight'); pw = gopt(a, 'pos_weight', ONE).q
    for n, x in enumerate(a['logits']):
        t = a['target'][n].q; wn = w[n].q if w else Q(1)
        if wn == 0: terms.append(ZERO); continue
        if x.nan(): terms.append(V(0, NAN)); continue
        parts = []
        if pw * t != 0: parts.append(mul(V(pw * t), softplus(neg(x))))
        if t != 1: parts.append(mul(V(1 - t), softplus(x)))
        terms.append(mul(V(wn), add(*parts)))
    return reduce_(terms, gopt(a, 'reduction', 'mean'), Q(len(a['logits'])))

def bce_logits_backward(a):
    red = gopt(a, 'reduction', 'mean'); D = Q(len(a['logits'])) if red == 'mean' else Q(1)
    w = a.get('weight'); pw = gopt(a, 'pos_weight', ONE).q; out = []
    for n, x in enumerate(a['logits']):
        t = a['target'][n].q; wn = w[n].q if w else Q(1)
        if wn == 0: out.append(ZERO); continue
        # sigma(x)*(pw*t + 1 - t) - pw*t = (1 - t)*sigma(x) - pw*t*sigma(-x)
        v = sub(mul(V(1 - t), sig(x)), mul(V(pw * t), sig(neg(x))))
        out.append(div(mul(v, mul(V(wn), grad_scale(a, n))), V(D)))
    return out

def softmax_backward_row(x, g):
    C = len(x); p = softmax_row(x)
    # p_j * (g_j - <g, p>) = p_j * sum_i p_i * (g_j - g_i)   (sum p = 1)
    return [mul(p[j], add(*[mul(p[i], sub(g[j], g[i])) for i in range(C)])) for j in range(C)]

def log_softmax_backward_row(x, g):
    C = len(x); kind, r = analyse(x)
    if kind != 'finite': raise ValueError('log_softmax_backward oracle: rows with a finite entry and no +inf only')
    e = r['e']; out = []
    for j in range(C):
        if e[j].zero(): out.append(g[j]); continue   # masked entry: p_j = 0
        # g_j - p_j * sum(g) = (g_j * sum_{i != j} e_i - e_j * sum_{i != j} g_i) / S
        Sm = add(*[e[i] for i in range(C) if i != j]); Gm = add(*[g[i] for i in range(C) if i != j])
        out.append(div(sub(mul(g[j], Sm), mul(e[j], Gm)), r['S']))
    return out

OPS = {
    'softmax': lambda a: [softmax_row(x) for x in a['logits']],
    'log_softmax': lambda a: [log_softmax_row(x) for x in a['logits']],
    'logsumexp': lambda a: [logsumexp_row(x) for x in a['logits']],
    'sigmoid': lambda a: [sig(x) for x in a['x']],
    'log_sigmoid': lambda a: [neg(softplus(neg(x))) for x in a['x']],
    'softplus': lambda a: [softplus(x) for x in a['x']],
    'cross_entropy': cross_entropy,
    'nll_loss': nll_loss,
    'binary_cross_entropy': bce,
    'binary_cross_entropy_with_logits': bce_logits,
    'softmax_backward': lambda a: [softmax_backward_row(x, a['grad_output'][n]) for n, x in enumerate(a['logits'])],
    'log_softmax_backward': lambda a: [log_softmax_backward_row(x, a['grad_output'][n]) for n, x in enumerate(a['logits'])],
    'sigmoid_backward': lambda a: [mul(a['grad_output'][n], mul(sig(x), sig(neg(x)))) for n, x in enumerate(a['x'])],
    'cross_entropy_backward': cross_entropy_backward,
    'binary_cross_entropy_backward': bce_backward,
    'binary_cross_entropy_with_logits_backward': bce_logits_backward,
}

# ---- exact decisions
FMTS = (('f64', 53, -1022, 1023), ('f32', 24, -126, 127), ('f16', 11, -14, 15), ('bf16', 8, -126, 127))

def rnd(v, p, emin, emax):
    """round-to-nearest-even of the Fraction v to the format, as a python float (exact)"""
    if v == 0: return 0.0
    neg_ = v < 0; a = -v if neg_ else v; num, den = a.numerator, a.denominator
    E = num.bit_length() - den.bit_length()
    ge = lambda k: num >= (den << k) if k >= 0 else (num << -k) >= den
    if not ge(E): E -= 1
    if E > emax: return -math.inf if neg_ else math.inf
    if E < emin - p - 1: return -0.0 if neg_ else 0.0
    q = max(E, emin) - p + 1
    N, Dd = (num, den << q) if q >= 0 else (num << -q, den)
    m, r = divmod(N, Dd)
    if 2 * r > Dd or (2 * r == Dd and m & 1): m += 1
    if m.bit_length() - 1 + q > emax: return -math.inf if neg_ else math.inf
    res = math.ldexp(m, q)
    return -res if neg_ else res

def dec_format(neg_, m, e):
    """the decimal m * 10^(e - len(m) + 1) (m a positive int), written like decimal.js toString()
    (exponential notation when the exponent e of the leading digit is <= -7 or >= 21)"""
    s = str(m).rstrip('0')
    if e <= -7 or e >= 21: out = s[0] + ('.' + s[1:] if len(s) > 1 else '') + 'e' + ('+' if e >= 0 else '-') + str(abs(e))
    elif e < 0: out = '0.' + '0' * (-e - 1) + s
    elif len(s) <= e + 1: out = s + '0' * (e + 1 - len(s))
    else: out = s[:e + 1] + '.' + s[e + 1:]
    return ('-' if neg_ else '') + out

def dec_str(v, digits):
    """the Fraction v rounded half-even to 'digits' significant digits (decimal.js format)"""
    if v == 0: return '0'
    neg_ = v < 0; a = -v if neg_ else v; num, den = a.numerator, a.denominator
    e = math.floor((num.bit_length() - den.bit_length()) * 0.3010299956639812)
    ge = lambda k: num >= den * 10 ** k if k >= 0 else num * 10 ** (-k) >= den
    while not ge(e): e -= 1
    while ge(e + 1): e += 1
    sh = digits - 1 - e
    N, Dd = (num * 10 ** sh, den) if sh >= 0 else (num, den * 10 ** (-sh))
    m, r = divmod(N, Dd)
    if 2 * r > Dd or (2 * r == Dd and m & 1): m += 1
    if m == 10 ** digits: m //= 10; e += 1
    return dec_format(neg_, m, e)

def targets(v, digits):
    r = {'d': dec_str(v, digits)}
    for name, p, emin, emax in FMTS: r[name] = repr(rnd(v, p, emin, emax))
    return r

def toQ(x):
    sign, man, exp, bc = x._mpf_
    if sign: man = -man
    return Q(man * (1 << exp)) if exp >= 0 else Q(man, 1 << -exp)

def mag2(x):
    """floor(log2 |x|) + 1 of a nonzero finite mpf"""
    sign, man, exp, bc = x._mpf_
    return exp + bc

HUGE_BITS = 1 << 22   # binary magnitudes beyond 2^(+-4M): every float format gives 0 or inf

def targets_huge(v, rel, digits):
    """outputs far outside every float format (e.g. exp(-1e6)): the floats are signed zeros or
    infinities, the decimal is decided in mpmath with relative error bound rel; below
    1e-9000000000000000 (decimal.js's range) the decimal is '0' and the floats +0, whatever
    the sign (docs/semantics.md)"""
    neg_ = v < 0; a = -v if neg_ else v
    f = ('-' if neg_ else '') + ('inf' if mag2(v) > 0 else '0.0')
    r = {'f64': f, 'f32': f, 'f16': f, 'bf16': f}
    lg = mp.log10(a)
    if lg < -9 * 10 ** 15:   # docs/semantics.md: decimal "0" and +0 in every format
        return {'d': '0', 'f64': '0.0', 'f32': '0.0', 'f16': '0.0', 'bf16': '0.0'}
    e = int(mp.floor(lg))
    m = a / mp.power(10, e - digits + 1)
    while m >= mpf(10) ** digits: m /= 10; e += 1
    while m < mpf(10) ** (digits - 1): m *= 10; e -= 1
    lo, hi = int(mp.nint(m * (1 - rel))), int(mp.nint(m * (1 + rel)))
    if lo != hi or abs(m - mp.nint(m)) > mpf(0.5) - 2 * rel * m: return None
    if lo == 10 ** digits: lo //= 10; e += 1
    r['d'] = dec_format(neg_, lo, e)
    return r

SPECIAL = {'nan': ('NaN', 'nan'), 'inf': ('Infinity', 'inf'), '-inf': ('-Infinity', '-inf')}
def special(v):
    if not v.special(): return None
    if mp.isnan(v.f): return 'nan'
    return 'inf' if v.f > 0 else '-inf'

def decide(a, b, P, digits):
    """a, b: the same output evaluated at P and P + 40 digits; None when not decided"""
    sa, sb = special(a), special(b)
    if sa or sb:
        if sa != sb: return None
        d, f = SPECIAL[sb]
        return {'d': d, 'f64': f, 'f32': f, 'f16': f, 'bf16': f}
    if a.q != b.q or a.exact() != b.exact(): return None
    q = b.q
    if b.exact() or (a.f == 0 and b.f == 0): return targets(q, digits)
    fa, fb = a.f, b.f
    if fb == 0 or fa == 0 or (fa < 0) != (fb < 0): return None
    rel = 4 * abs(fa - fb) / abs(fb) + mpf(10) ** (2 - P)
    if rel > mpf(10) ** -20: return None
    if q == 0:
        if abs(mag2(fb)) > HUGE_BITS: return targets_huge(fb, rel, digits)
        vb = toQ(fb); err = abs(vb) * toQ(rel)
        lo, hi = targets(vb - err, digits), targets(vb + err, digits)
        return lo if lo == hi else None
    # Every rounding boundary b near q (a decimal tie at 'digits' digits, a float midpoint or
    # overflow threshold) is a rational with denominator <= Dmax, so b != q implies
    # |q - b| >= 1/(den(q)*Dmax) > eps. If |f| < eps, q + f rounds like q +- eps: the same
    # value on both sides when q is no boundary, else the value on f's side of q.
    qa = abs(q)
    e10 = math.floor((qa.numerator.bit_length() - qa.denominator.bit_length()) * 0.30103)
    Dmax = 2 * 10 ** max(0, digits + 2 - e10) * 2 ** 1076
    eps = Q(1, 2 * q.denominator * Dmax)
    if mag2(fb) < -(2 * q.denominator * Dmax).bit_length() - 2:
        lo, hi = targets(q - eps, digits), targets(q + eps, digits)
        return lo if lo == hi else (hi if fb > 0 else lo)
    fq = toQ(fb); err = abs(fq) * toQ(rel)
    lo, hi = targets(q + fq - err, digits), targets(q + fq + err, digits)
    return lo if lo == hi else None

def flatten(v):
    if isinstance(v, list):
        out = []
        for x in v: out.extend(flatten(x))
        return out
    return [v]

def parse_args(raw):
    return {k: (v if k == 'reduction' else deep(v, parse)) for k, v in raw.items()}

def run_case(case):
    op = case['op']; digits = case.get('digits', 40); args = parse_args(case['args'])
    res = None; B = None
    for P in (80, 160, 320, 640, 1280):
        mp.dps = P; A = flatten(OPS[op](args))
        mp.dps = P + 40; B = flatten(OPS[op](args))
        res = [decide(a, b, P, digits) for a, b in zip(A, B)]
        if all(r is not None for r in res): return res
    return [r if r is not None else {'undecided': True, 'approx': mp.nstr(b.tot(), 50)} for r, b in zip(res, B)]
`;

export interface MpCase {
  op: string;
  args: Record<string, unknown>;
  digits?: number;
}

/** One decided output: the decimal (decimal.js toString format) and python reprs of the floats. */
export type MpLeaf =
  | { d: string; f64: string; f32: string; f16: string; bf16: string; undecided?: undefined }
  | { undecided: true; approx: string };

/**
 * Correctly rounded expectations for a batch of cases, from ONE python process. Returns, per
 * case, the outputs flattened in row-major order (the order of `leaves` below).
 */
export function mpmathReference(cases: MpCase[]): MpLeaf[][] {
  const script = `${MP_PRELUDE}
cases = json.load(sys.stdin)
print(json.dumps([run_case(c) for c in cases]))
`;
  return runPython<MpLeaf[][]>(
    script,
    cases.map((c) => ({ op: c.op, digits: c.digits ?? 40, args: encodeArgs(c.args) })),
  );
}

/** The leaves of a nested result (number | number[] | number[][]), row-major. */
export function leaves<T>(v: T | T[] | T[][]): T[] {
  if (!Array.isArray(v)) return [v];
  return (v as unknown[]).flatMap((x) => leaves(x as T | T[]));
}
