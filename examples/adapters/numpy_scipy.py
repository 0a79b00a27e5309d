#!/usr/bin/env python3
"""NumPy / SciPy implementation of the xent-oracle ops, speaking protocol v1.

    xent-oracle verify --cmd "python3 examples/adapters/numpy_scipy.py"

Protocol v1 (docs/protocol.md): one JSON request per line on stdin, exactly one JSON
response per line on stdout, in order, flushed after every line; diagnostics go to
stderr only. Non-finite numbers may arrive as the strings "NaN", "Infinity", "-Infinity"
(or as bare tokens) and are written back as those strings.

The forward ops use scipy.special (softmax, log_softmax, logsumexp, expit, log_expit) and
numpy (softplus = np.logaddexp(0, x)). The losses mirror PyTorch's definitions with numpy
ops on top of log_softmax, including PyTorch's clamp of the BCE logs at -100 and its
1e-12 floor in the BCE gradient; the backward ops are the closed forms. Edge cases
(e.g. a +inf logit, 0 * log 0) therefore behave as these library functions do, which is
what the verifier is there to show.
"""
import json
import math
import sys

import numpy as np
from scipy import special

try:
    from scipy.special import log_expit  # SciPy >= 1.8
except ImportError:  # pragma: no cover - old SciPy
    # Fallback with the same meaning: log(sigmoid(x)) = -softplus(-x), stable on both sides.
    def log_expit(x):
        return -np.logaddexp(0.0, -np.asarray(x, dtype=np.float64))


NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def revive(v):
    """Turn "NaN" / "Infinity" / "-Infinity" strings into floats, recursively."""
    if isinstance(v, str):
        return NON_FINITE.get(v, v)
    if isinstance(v, list):
        return [revive(x) for x in v]
    if isinstance(v, dict):
        return {k: revive(x) for k, x in v.items()}
    return v


def encode(v):
    """numpy values -> JSON values, non-finite floats as the protocol's strings."""
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [encode(x) for x in v]
    if isinstance(v, (np.floating, np.integer)):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def f64(v):
    return np.asarray(v, dtype=np.float64)


# ---------------------------------------------------------------------------------------
# argument helpers (the args are the catalog's user-visible args: apply the defaults)


def reduction_of(a):
    r = a.get("reduction", "mean")
    if r not in ("mean", "sum", "none"):
        raise ValueError(f"reduction = {r!r} must be mean, sum or none")
    return r


def reduce(losses, red, denominator):
    if red == "none":
        return losses
    s = np.sum(losses)
    return s if red == "sum" else s / denominator


def loss_grad(a, n):
    """grad_output as an [N] array (a number for mean / sum is broadcast)."""
    g = a.get("grad_output")
    if reduction_of(a) == "none":
        return np.ones(n) if g is None else f64(g)
    return np.full(n, 1.0 if g is None else float(g))


def ce_coefficients(a):
    """PyTorch's cross_entropy as per-class coefficients a[n, c], plus mean denominator and ignore mask."""
    logits = f64(a["logits"])
    n, c = logits.shape
    w = np.ones(c) if a.get("weight") is None else f64(a["weight"])
    eps = float(a.get("label_smoothing", 0.0))
    target = a["target"]
    if len(target) > 0 and isinstance(target[0], list):
        # probability targets: target * (1 - eps) + eps / C, weighted per class, mean over N
        t = f64(target)
        coef = w[None, :] * (t * (1.0 - eps) + eps / c)
        return logits, coef, np.zeros(n, dtype=bool), float(n)
    ignore = int(a.get("ignore_index", -100))
    y = np.asarray(target, dtype=np.int64)
    ignored = y == ignore
    safe_y = np.where(ignored, 0, y)
    onehot = np.zeros((n, c))
    onehot[np.arange(n), safe_y] = 1.0
    # (1 - eps) * nll + eps * smooth_loss, smooth_loss = -sum_c w_c * lsm_c / C
    coef = w[None, :] * ((1.0 - eps) * onehot + eps / c)
    coef[ignored] = 0.0
    # PyTorch's weighted mean: divide by the weights of the non-ignored targets
    denominator = float(np.sum(w[safe_y][~ignored]))
    return logits, coef, ignored, denominator


# ---------------------------------------------------------------------------------------
# the ops


def softmax(a):
    return special.softmax(f64(a["logits"]), axis=-1)


def log_softmax(a):
    return special.log_softmax(f64(a["logits"]), axis=-1)


def logsumexp(a):
    return special.logsumexp(f64(a["logits"]), axis=-1)


def sigmoid(a):
    return special.expit(f64(a["x"]))


def log_sigmoid(a):
    return log_expit(f64(a["x"]))


def softplus(a):
    return np.logaddexp(0.0, f64(a["x"]))


def cross_entropy(a):
    logits, coef, ignored, denominator = ce_coefficients(a)
    lsm = special.log_softmax(logits, axis=-1)
    target = a["target"]
    if len(target) > 0 and isinstance(target[0], list):
        # probability targets: PyTorch sums target * w * log_softmax over the classes
        losses = -np.sum(coef * lsm, axis=-1)
    else:
        # class indices: PyTorch gathers the target's log-probability (no 0 * -inf),
        # plus the smoothing term summed over all classes
        n, c = logits.shape
        w = np.ones(c) if a.get("weight") is None else f64(a["weight"])
        eps = float(a.get("label_smoothing", 0.0))
        y = np.asarray(target, dtype=np.int64)
        safe_y = np.where(ignored, 0, y)
        losses = -w[safe_y] * lsm[np.arange(n), safe_y]
        if eps > 0:
            smooth = -np.sum(w[None, :] * lsm, axis=-1) / c
            losses = (1.0 - eps) * losses + eps * smooth
        losses = np.where(ignored, 0.0, losses)
    return reduce(losses, reduction_of(a), denominator)


def nll_loss(a):
    lp = f64(a["log_probs"])
    n, c = lp.shape
    w = np.ones(c) if a.get("weight") is None else f64(a["weight"])
    y = np.asarray(a["target"], dtype=np.int64)
    ignored = y == int(a.get("ignore_index", -100))
    safe_y = np.where(ignored, 0, y)
    losses = np.where(ignored, 0.0, -w[safe_y] * lp[np.arange(n), safe_y])
    return reduce(losses, reduction_of(a), float(np.sum(w[safe_y][~ignored])))


def binary_cross_entropy(a):
    p, t = f64(a["probs"]), f64(a["target"])
    w = np.ones(p.shape) if a.get("weight") is None else f64(a["weight"])
    # PyTorch clamps each log at -100
    log_p = np.maximum(np.log(p), -100.0)
    log_1mp = np.maximum(np.log1p(-p), -100.0)
    losses = -w * (t * log_p + (1.0 - t) * log_1mp)
    return reduce(losses, reduction_of(a), float(p.size))


def binary_cross_entropy_with_logits(a):
    x, t = f64(a["logits"]), f64(a["target"])
    w = np.ones(x.shape) if a.get("weight") is None else f64(a["weight"])
    pw = float(a.get("pos_weight", 1.0))
    # PyTorch: (1 - t) * x + (1 + (pw - 1) * t) * (log1p(exp(-|x|)) + max(-x, 0))
    log_weight = 1.0 + (pw - 1.0) * t
    losses = w * ((1.0 - t) * x + log_weight * (np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0.0)))
    return reduce(losses, reduction_of(a), float(x.size))


def softmax_backward(a):
    p = special.softmax(f64(a["logits"]), axis=-1)
    g = f64(a["grad_output"])
    return p * (g - np.sum(g * p, axis=-1, keepdims=True))


def log_softmax_backward(a):
    p = special.softmax(f64(a["logits"]), axis=-1)
    g = f64(a["grad_output"])
    return g - p * np.sum(g, axis=-1, keepdims=True)


def sigmoid_backward(a):
    s = special.expit(f64(a["x"]))
    return f64(a["grad_output"]) * s * (1.0 - s)


def cross_entropy_backward(a):
    logits, coef, _ignored, denominator = ce_coefficients(a)
    n = logits.shape[0]
    p = special.softmax(logits, axis=-1)
    total = np.sum(coef, axis=-1, keepdims=True)
    scale = loss_grad(a, n) / (denominator if reduction_of(a) == "mean" else 1.0)
    grad = (p * total - coef) * scale[:, None]
    grad[_ignored] = 0.0  # PyTorch leaves the rows of ignored targets at 0
    return grad


def binary_cross_entropy_backward(a):
    p, t = f64(a["probs"]), f64(a["target"])
    w = np.ones(p.shape) if a.get("weight") is None else f64(a["weight"])
    d = float(p.size) if reduction_of(a) == "mean" else 1.0
    # PyTorch: grad * (p - t) / max((1 - p) * p, 1e-12) * w
    return loss_grad(a, p.size) * w * (p - t) / np.maximum((1.0 - p) * p, 1e-12) / d


def binary_cross_entropy_with_logits_backward(a):
    x, t = f64(a["logits"]), f64(a["target"])
    w = np.ones(x.shape) if a.get("weight") is None else f64(a["weight"])
    pw = float(a.get("pos_weight", 1.0))
    d = float(x.size) if reduction_of(a) == "mean" else 1.0
    # PyTorch: (sigmoid(x) * (pw * t + 1 - t) - pw * t) * grad * w
    return (special.expit(x) * (pw * t + 1.0 - t) - pw * t) * loss_grad(a, x.size) * w / d


OPS = {
    f.__name__: f
    for f in (
        softmax, log_softmax, logsumexp, sigmoid, log_sigmoid, softplus,
        cross_entropy, nll_loss, binary_cross_entropy, binary_cross_entropy_with_logits,
        softmax_backward, log_softmax_backward, sigmoid_backward, cross_entropy_backward,
        binary_cross_entropy_backward, binary_cross_entropy_with_logits_backward,
    )
}


def handle(req):
    op, args = req.get("op"), revive(req.get("args") or {})
    if op == "describe":
        return {"name": "numpy-scipy", "dtype": "float64", "ops": list(OPS)}
    if op not in OPS:
        raise ValueError(f"unknown op {op!r}")
    return encode(OPS[op](args))


def main():
    np.seterr(all="ignore")  # overflow / 0*inf warnings would only clutter stderr
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            reply = {"id": req["id"], "result": handle(req)}
        except Exception as e:  # an error reply, the session goes on
            reply = {"id": req["id"], "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
