"""Independent mpmath oracle for kl_div, kl_div_backward and kl_div_target_backward.

Written from the definitions (src/ops/kl/README.md), not from src/: reads a JSON list of
{"op", "args"} on stdin (numbers as Python float reprs or "nan"/"inf"/"-inf"), prints a JSON
list of results, each output a string: "nan", "inf", "-inf", "0" or 50 significant digits.

Exactness: inputs are exact (Fraction(float)); the parts that are rational by structure
(t*x, t - x, 1 - x, -t*g/D) are Fractions; the transcendental parts (log t, e^t) are mpmath
values. Each output is evaluated at precision P and P + 30 digits (P = 100, 200, ... 1600)
and accepted when both agree to 50 significant digits, so cancellation (huge t*x terms that
cancel, x close to log t) is resolved by raising P, never guessed.
"""
import json
import sys
from fractions import Fraction

import mpmath
from mpmath import mp, mpf


def num(v):
    if isinstance(v, str):
        return float(v)
    return float(v)


def isnan(v):
    return v != v


INF = float("inf")


def to_mpf(fr):
    return mpf(fr.numerator) / mpf(fr.denominator)


class Special(Exception):
    def __init__(self, value):
        self.value = value


def term_prob(x, t):
    """t*(log t - x) as (mp part, exact part) or Special"""
    if isnan(t) or t < 0:
        raise Special("nan")
    if t == 0:
        raise Special("0")
    if isnan(x):
        raise Special("nan")
    if t == INF:
        raise Special("nan" if x == INF else "inf")
    if x == -INF:
        raise Special("inf")
    if x == INF:
        raise Special("-inf")
    return mpf(t) * mpmath.log(mpf(t)), -Fraction(t) * Fraction(x)


def term_log(x, t):
    if isnan(t):
        raise Special("nan")
    if t == -INF:
        raise Special("0")
    if isnan(x):
        raise Special("nan")
    if t == INF:
        raise Special("nan" if x == INF else "inf")
    if x == -INF:
        raise Special("inf")
    if x == INF:
        raise Special("-inf")
    d = Fraction(t) - Fraction(x)
    if d == 0:
        raise Special("0")
    return mpmath.exp(mpf(t)) * to_mpf(d), Fraction(0)


def combine_specials(vals):
    """sum of special outputs (strings), or None when there is none"""
    s = [v for v in vals if v != "0"]
    if not s:
        return None
    if "nan" in s or ("inf" in s and "-inf" in s):
        return "nan"
    return s[0]


def denominator(args):
    n = len(args["input"])
    c = len(args["input"][0])
    red = args.get("reduction", "mean")
    return n * c if red == "mean" else n if red == "batchmean" else 1


def grad_at(args, n, c):
    g = args.get("grad_output", 1)
    return num(g) if not isinstance(g, list) else num(g[n][c])


def forward(args):
    f = term_log if args.get("log_target", False) else term_prob
    X = [[num(v) for v in r] for r in args["input"]]
    T = [[num(v) for v in r] for r in args["target"]]
    red = args.get("reduction", "mean")
    D = denominator(args)
    cells = []
    for n in range(len(X)):
        for c in range(len(X[0])):
            try:
                cells.append(f(X[n][c], T[n][c]))
            except Special as s:
                cells.append(s.value)
    if red == "none":
        out = []
        for cell in cells:
            out.append(cell if isinstance(cell, str) else cell[0] + to_mpf(cell[1]))
        return out
    sp = combine_specials([cell for cell in cells if isinstance(cell, str)])
    if sp is not None:
        return [sp]
    mp_sum = mpf(0)
    ex = Fraction(0)
    for cell in cells:
        if isinstance(cell, str):
            continue
        mp_sum += cell[0]
        ex += cell[1]
    return [(mp_sum + to_mpf(ex)) / D]


def backward(args):
    X = [[num(v) for v in r] for r in args["input"]]
    T = [[num(v) for v in r] for r in args["target"]]
    D = denominator(args)
    lt = args.get("log_target", False)
    out = []
    for n in range(len(X)):
        for c in range(len(X[0])):
            t = T[n][c]
            g = grad_at(args, n, c)
            if isnan(t) or (not lt and t < 0):
                out.append("nan")
            elif g == 0 or (lt and t == -INF) or (not lt and t == 0):
                out.append("0")
            elif isnan(g):
                out.append("nan")
            elif lt:
                if t == INF or abs(g) == INF:
                    out.append("-inf" if g > 0 else "inf")
                else:
                    out.append(-mpmath.exp(mpf(t)) * mpf(g) / D)
            else:
                if t == INF or abs(g) == INF:
                    out.append("-inf" if g > 0 else "inf")
                else:
                    out.append(to_mpf(-Fraction(t) * Fraction(g) / D))
    return out


def target_backward(args):
    X = [[num(v) for v in r] for r in args["input"]]
    T = [[num(v) for v in r] for r in args["target"]]
    D = denominator(args)
    lt = args.get("log_target", False)
    out = []
    for n in range(len(X)):
        for c in range(len(X[0])):
            x = X[n][c]
            t = T[n][c]
            g = grad_at(args, n, c)
            if isnan(t) or (not lt and t < 0):
                out.append("nan")
                continue
            if g == 0 or (lt and t == -INF) or (not lt and t == 0):
                out.append("0")
                continue
            if isnan(x) or isnan(g):
                out.append("nan")
                continue
            if t == INF:
                v = "nan" if x == INF else "inf"
            elif x in (INF, -INF):
                v = "-inf" if x > 0 else "inf"
            else:
                v = None
            if v is not None:
                if v == "nan":
                    out.append("nan")
                else:
                    sign = (1 if v == "inf" else -1) * (1 if g > 0 else -1)
                    out.append("inf" if sign > 0 else "-inf")
                continue
            if lt:
                s = Fraction(t) + 1 - Fraction(x)
                if s == 0:
                    out.append("0")
                    continue
                val = mpmath.exp(mpf(t)) * to_mpf(s)
            else:
                val = mpmath.log(mpf(t)) + to_mpf(1 - Fraction(x))
            if abs(g) == INF:
                out.append(("inf" if (val > 0) == (g > 0) else "-inf"))
                continue
            out.append(val * mpf(g) / D)
    return out


OPS = {"kl_div": forward, "kl_div_backward": backward, "kl_div_target_backward": target_backward}


def fmt(v):
    if isinstance(v, str):
        return v
    if v == 0:
        return "0"
    return mpmath.nstr(v, 50)


def evaluate(case):
    for P in (100, 200, 400, 800, 1600):
        mp.dps = P
        a = [fmt(v) for v in OPS[case["op"]](case["args"])]
        mp.dps = P + 30
        b = [fmt(v) for v in OPS[case["op"]](case["args"])]
        if a == b:
            return a
    raise RuntimeError("not decided at 1600 digits: %r" % (case,))


def main():
    cases = json.load(sys.stdin)
    print(json.dumps([evaluate(c) for c in cases]))


if __name__ == "__main__":
    main()
