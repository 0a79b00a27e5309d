/**
 * `--expect FILE`: the known failures of an implementation, each with a reason (pytest's
 * strict xfail, array-api-tests' xfails file). A failure an entry covers is reported as an
 * "expected failure" and does not fail the run; an entry that no longer fails fails the run
 * as an "unexpected pass", so that fixed bugs get their entry removed instead of hiding the
 * next regression. Format (docs/reports.md):
 *
 *   { "schema": "xent-oracle/expect@1",
 *     "expected_failures": [
 *       { "op": "softmax", "group": "scale 700", "class": "nan_expected_finite", "reason": "no max shift yet (#12)" },
 *       { "op": "cross_entropy", "reason": "label smoothing not implemented" } ] }
 *
 * `group` (a regime name or "oracle:<id>") and `class` (a failure class) narrow an entry;
 * without them it covers every failure of the op.
 */
import { isOpName, OP_NAMES, type OpName } from '../ops/registry.js';
import { parseJson } from '../core/json.js';
import type { FailureClass } from './verdict.js';
import type { CaseFailure, VerifyReport } from './run.js';

export const EXPECT_SCHEMA = 'xent-oracle/expect@1';

const CLASSES: readonly FailureClass[] = [
  'wrong_value',
  'tiny_absolute',
  'edge_overflow',
  'nan_expected_finite',
  'inf_expected_finite',
  'finite_expected_nonfinite',
  'wrong_nonfinite',
  'wrong_shape',
  'error_reply',
  'unsupported',
  'crash',
  'timeout',
  'protocol',
];

export interface ExpectEntry {
  op: OpName;
  group?: string;
  class?: FailureClass;
  reason: string;
}

export interface ExpectOutcome extends ExpectEntry {
  /**
   * expected_failure: it still fails (fine); unexpected_pass: its groups were played and none
   * failed (the run fails: remove the entry); not_played: nothing it names was played
   * (--ops, --quick, another dtype), so it says nothing either way.
   */
  status: 'expected_failure' | 'unexpected_pass' | 'not_played';
}

/** A bad --expect file: the CLI prints the message and exits 2. */
export class ExpectFileError extends Error {
  override name = 'ExpectFileError';
}

/** Parse and check an --expect file's text. `where` names it in messages. */
export function parseExpectFile(text: string, where: string): ExpectEntry[] {
  let doc: unknown;
  try {
    doc = parseJson(text);
  } catch (e) {
    throw new ExpectFileError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  const d = doc as { schema?: unknown; expected_failures?: unknown };
  if (!d || typeof d !== 'object' || Array.isArray(d)) {
    throw new ExpectFileError(`${where}: must be an object {"schema": "${EXPECT_SCHEMA}", "expected_failures": [...]}`);
  }
  if (d.schema !== EXPECT_SCHEMA) throw new ExpectFileError(`${where}: schema = ${JSON.stringify(d.schema)}, expected "${EXPECT_SCHEMA}"`);
  if (!Array.isArray(d.expected_failures)) throw new ExpectFileError(`${where}: expected_failures must be an array`);
  const known = new Set(['op', 'group', 'class', 'reason']);
  return d.expected_failures.map((raw, i): ExpectEntry => {
    const at = `${where}: expected_failures[${i}]`;
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ExpectFileError(`${at} must be an object {"op", "reason", "group"?, "class"?}`);
    }
    const e = raw as Record<string, unknown>;
    for (const k of Object.keys(e)) {
      if (!known.has(k)) throw new ExpectFileError(`${at}: unknown key "${k}" (expected op, group, class, reason)`);
    }
    if (typeof e.op !== 'string' || !isOpName(e.op)) {
      throw new ExpectFileError(`${at}.op = ${JSON.stringify(e.op)} is not a catalog op (known: ${OP_NAMES.join(', ')})`);
    }
    if (typeof e.reason !== 'string' || e.reason.trim() === '') {
      throw new ExpectFileError(`${at}.reason must be a non-empty string: say why it fails`);
    }
    if (e.group !== undefined && (typeof e.group !== 'string' || e.group === '')) {
      throw new ExpectFileError(`${at}.group = ${JSON.stringify(e.group)} must be a regime name or "oracle:<id>"`);
    }
    if (e.class !== undefined && !CLASSES.includes(e.class as FailureClass)) {
      throw new ExpectFileError(`${at}.class = ${JSON.stringify(e.class)} is not a failure class (${CLASSES.join(', ')})`);
    }
    return {
      op: e.op,
      reason: e.reason,
      ...(e.group !== undefined ? { group: e.group } : {}),
      ...(e.class !== undefined ? { class: e.class as FailureClass } : {}),
    };
  });
}

/**
 * Entries whose group is not one the run knows for that op (a typo would otherwise make an
 * entry silently cover nothing). `groupsOf` lists every group name the run could play for an op.
 */
export function unknownGroups(entries: readonly ExpectEntry[], groupsOf: (op: OpName) => readonly string[]): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.group === undefined) continue;
    const groups = groupsOf(e.op);
    if (!groups.includes(e.group)) {
      const regimes = groups.filter((g) => !g.startsWith('oracle:'));
      out.push(
        `group "${e.group}" of ${e.op} is not a regime (${regimes.join(', ') || 'none'}) nor a golden case id "oracle:<id>" of this op`,
      );
    }
  }
  return out;
}

const matches = (e: ExpectEntry, f: CaseFailure) =>
  e.op === f.op && (e.group === undefined || e.group === f.source) && (e.class === undefined || e.class === f.cls);

/**
 * Mark the failures the entries cover (`xfail`: the entry's reason), record each entry's
 * outcome, and recompute the status: the run fails on a failure no entry covers, on an
 * unexpected pass, when the implementation ended, and on declared ops outside the catalog.
 */
export function applyExpectations(rep: VerifyReport, entries: readonly ExpectEntry[]): VerifyReport {
  const ops = rep.ops.map((o) => ({
    ...o,
    failures: o.failures.map((f) => {
      const e = entries.find((x) => matches(x, f));
      return e ? { ...f, xfail: e.reason } : f;
    }),
  }));
  const expectations: ExpectOutcome[] = entries.map((e) => {
    const o = ops.find((x) => x.op === e.op);
    if (o?.failures.some((f) => matches(e, f))) return { ...e, status: 'expected_failure' };
    const played = o?.groups.some((g) => !g.notRun && g.cases > 0 && (e.group === undefined || g.name === e.group)) ?? false;
    return { ...e, status: played ? 'unexpected_pass' : 'not_played' };
  });
  const out: VerifyReport = { ...rep, ops, expectations };
  out.status = statusOf(out);
  return out;
}

/** The run's verdict (also without --expect, where no failure carries `xfail`). */
export function statusOf(rep: VerifyReport): 'pass' | 'fail' {
  const unexpectedFailure = rep.ops.some((o) => o.failures.some((f) => !f.xfail));
  const unexpectedPass = (rep.expectations ?? []).some((e) => e.status === 'unexpected_pass');
  return unexpectedFailure || unexpectedPass || rep.ended || rep.unsupported.length > 0 ? 'fail' : 'pass';
}
