/**
 * Case groups: the unit every report speaks in. A group is one regime of generated cases
 * ("scale 700": its inputs change with the seed, so its cases are judged together) or one
 * golden case ("oracle:softmax/exp-limit-float64-over": a fixed input with a stable id).
 * Group names never contain counts or outcomes, so CI systems (Jenkins, GitLab) that key a
 * test's history by its name see the same test in every run (docs/reports.md).
 */
import type { OpName } from '../ops/registry.js';
import type { Judgement } from './verdict.js';

export interface GroupReport {
  /** stable name: the regime's name, or "oracle:<id>" for a golden case */
  name: string;
  kind: 'regime' | 'golden';
  cases: number;
  passed: number;
  tiny: number;
  failed: number;
  /** cases the reference could not judge (precision cap) or whose generated args were rejected */
  skipped: number;
  skipReasons: string[];
  /** set when the group was not played at all: why (declared unsupported, not float32-representable, the implementation ended) */
  notRun?: string;
  /** the largest error / allowed over every judged case of the group, failing ones included, tiny ones not (null: none) */
  worstRatio: number | null;
  worstMessage: string;
  /** wall-clock time of the group (implementation, reference and shrinking), ms */
  timeMs: number;
}

/**
 * Something the implementation declares it does not support: a whole op (no `group`) or one
 * group of it. Played as "skipped: not supported (declared)". The hook for a contract in which
 * implementations declare their limits; nothing in the v1 protocol fills it yet.
 */
export interface DeclaredUnsupported {
  op: OpName;
  group?: string;
  reason: string;
}

export function groupRecord(name: string, kind: GroupReport['kind']): GroupReport {
  return {
    name,
    kind,
    cases: 0,
    passed: 0,
    tiny: 0,
    failed: 0,
    skipped: 0,
    skipReasons: [],
    worstRatio: null,
    worstMessage: '',
    timeMs: 0,
  };
}

export function notPlayed(name: string, kind: GroupReport['kind'], why: string): GroupReport {
  return { ...groupRecord(name, kind), notRun: why };
}

/**
 * error / allowed of a judged case: the worst element's ratio (Infinity for a NaN / ±Infinity
 * mismatch); null when nothing was judged (an error reply, a crash, a wrong shape).
 */
export function judgedRatio(j: Judgement): number | null {
  if (!j.worst) return null;
  return Number.isNaN(j.worst.ratio) ? Infinity : j.worst.ratio;
}

/** "0.412", "3.1e+13", "inf" (a NaN / ±Infinity where a finite value is expected), "–" (nothing judged) */
export function formatRatio(r: number | null): string {
  if (r === null) return '–';
  if (!Number.isFinite(r)) return 'inf';
  if (r >= 1000) return r.toExponential(1);
  return r.toFixed(3);
}
