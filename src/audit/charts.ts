/**
 * SVG charts of the audit report, drawn by Vega in Node (no browser, no network):
 * `new vega.View(vega.parse(spec), { renderer: 'none' }).toSVG()`.
 *
 * - one chart per op: a panel per sweep with the error in ULP (log scale) against the sweep
 *   parameter, the allowed bound (dashed), a status strip above the plot (where the result is
 *   NaN, ±Infinity, out of bound, an error…) and the thresholds (vertical rules);
 * - the binary cross-entropy plot J(w) against φ(z).
 */
import * as vega from 'vega';
import type { BcePlot } from './bceplot.js';
import type { AuditPoint, AuditSweep, OpAudit } from './run.js';

/** Status classes shared by the charts and the NaN / Infinity map. */
export type CellClass = 'ok' | 'tiny' | 'wrong' | 'nan' | 'pinf' | 'ninf' | 'special' | 'error' | 'skip';

export const CELL_COLORS: Record<CellClass, string> = {
  ok: '#a6d9a0',
  tiny: '#f2d36b',
  wrong: '#f28e2b',
  nan: '#7b3294',
  pinf: '#d62728',
  ninf: '#1f4e9c',
  special: '#8c564b',
  error: '#3b3b3b',
  skip: '#e6e6e6',
};

export const CELL_LABELS: Record<CellClass, string> = {
  ok: 'within bound',
  tiny: 'tiny absolute / edge overflow',
  wrong: 'out of bound',
  nan: 'NaN (exact value is not)',
  pinf: '+Infinity (exact value is not)',
  ninf: '−Infinity (exact value is not)',
  special: 'wrong special value',
  error: 'error reply',
  skip: 'not judged',
};

export function cellClass(p: Pick<AuditPoint, 'status' | 'what' | 'broken' | 'edge'>): CellClass {
  if (p.status === 'skip') return 'skip';
  if (p.broken || p.edge) {
    switch (p.what) {
      case 'nan':
        return 'nan';
      case '+inf':
        return 'pinf';
      case '-inf':
        return 'ninf';
      case 'wrong special':
        return 'special';
      case 'error':
      case 'wrong shape':
        return 'error';
      default:
        return 'wrong';
    }
  }
  return p.status === 'tiny' ? 'tiny' : 'ok';
}

const FLOOR = 0.01;
const PANEL_W = 300;
const PANEL_H = 150;
const COLS = 3;
const GAP_X = 95;
const GAP_Y = 84;
/** room above the first row of panels for its titles and status strips */
const TOP = 34;

/**
 * Render a spec to an SVG string. The result is compacted: coordinates rounded to 0.01 px, and
 * the ARIA / pointer-event attributes of a static picture dropped (a report holds dozens).
 */
async function toSvg(spec: vega.Spec): Promise<string> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg
    .replace(/(\d\.\d\d)\d+/g, '$1')
    .replace(/ (?:aria-roledescription|role|aria-label|aria-hidden|pointer-events)="[^"]*"/g, '')
    .replace(/ opacity="1"/g, '');
}

function round4(x: number): number {
  return Number(x.toPrecision(4));
}

/** x-range of each point's cell in the status strip (midpoints to the neighbours, in log space when positive). */
function stripRuns(points: AuditPoint[], log: boolean): { x0: number; x1: number; c: CellClass }[] {
  const xs = points.map((p) => p.param);
  const mid = (a: number, b: number) => (log ? Math.sqrt(a * b) : (a + b) / 2);
  const edges = xs.map((x, i) => {
    const lo = i === 0 ? x : mid(xs[i - 1], x);
    const hi = i === xs.length - 1 ? x : mid(x, xs[i + 1]);
    return [lo, hi] as const;
  });
  const runs: { x0: number; x1: number; c: CellClass }[] = [];
  points.forEach((p, i) => {
    const c = cellClass(p);
    const last = runs[runs.length - 1];
    if (last && last.c === c) last.x1 = edges[i][1];
    else runs.push({ x0: edges[i][0], x1: edges[i][1], c });
  });
  // a run of one point at an end has zero width: give it a sliver
  return runs.map((r) => (r.x0 === r.x1 ? { ...r, x0: log ? r.x0 / 1.08 : r.x0 - 0.3, x1: log ? r.x1 * 1.08 : r.x1 + 0.3 } : r));
}

/** A sweep's points in increasing parameter order, optionally cut at `upTo` (the zoomed panel). */
interface PanelSpec {
  sweep: AuditSweep;
  title: string;
  upTo?: number;
}

/** Sweeps over hundreds of decades get a second, zoomed panel (up to 10^4) where exp over- and underflows. */
const ZOOM_TO = 1e4;

function panelsOf(s: AuditSweep): PanelSpec[] {
  const xs = s.points.map((p) => p.param).filter((x) => x > 0);
  const spanDecades = xs.length ? Math.log10(Math.max(...xs) / Math.min(...xs)) : 0;
  if (s.direction === 'up' && s.continuous && spanDecades > 20 && xs.some((x) => x <= ZOOM_TO)) {
    return [
      { sweep: s, title: `${s.title} (up to 1e4)`, upTo: ZOOM_TO },
      { sweep: s, title: `${s.title} (full range)` },
    ];
  }
  return [{ sweep: s, title: s.title }];
}

function panel(ps: PanelSpec, i: number, col: number, row: number): vega.GroupMark {
  const s = ps.sweep;
  // grid points only (bisection points are in the thresholds), in increasing parameter order
  const pts = s.points.slice().sort((a, b) => a.param - b.param).filter((p) => ps.upTo === undefined || p.param <= ps.upTo);
  const log = pts.every((p) => p.param > 0);
  const data = pts.map((p) => ({
    x: round4(p.param),
    // error / allowed: one scale for every op and every point, and the bound is the line at 1
    y: p.ratio !== null && Number.isFinite(p.ratio) ? round4(Math.max(p.ratio, FLOOR)) : null,
    b: 1,
  }));
  const finite = data.flatMap((d) => [d.y ?? 0, d.b ?? 0]);
  const yMax = Math.max(10, ...finite) * 4;
  const xs = pts.map((p) => p.param);
  const runs = stripRuns(pts, log).map((r) => ({ x0: round4(r.x0), x1: round4(r.x1), c: r.c }));
  const rules = s.thresholds.filter((t) => t.kind !== 'recover' && t.bracket && (ps.upTo === undefined || t.at <= ps.upTo)).map((t) => ({
    x: round4(t.at),
  }));
  const xDomain = [Math.min(...xs), Math.max(...xs)];
  if (xDomain[0] === xDomain[1]) xDomain[1] = xDomain[0] + 1;
  const name = `p${i}`;
  return {
    type: 'group',
    encode: {
      enter: {
        x: { value: col * (PANEL_W + GAP_X) },
        y: { value: row * (PANEL_H + GAP_Y) + TOP },
        width: { value: PANEL_W },
        height: { value: PANEL_H },
      },
    },
    data: [
      { name: `${name}e`, values: data },
      { name: `${name}s`, values: runs },
      { name: `${name}t`, values: rules },
    ],
    scales: [
      {
        name: 'x',
        type: log ? 'log' : 'linear',
        domain: xDomain,
        range: [0, PANEL_W],
        reverse: s.direction === 'down',
        nice: false,
        zero: false,
      },
      { name: 'y', type: 'log', domain: [FLOOR, yMax], range: [PANEL_H, 0], nice: true, clamp: true },
      { name: 'c', type: 'ordinal', domain: Object.keys(CELL_COLORS), range: Object.values(CELL_COLORS) },
    ],
    axes: [
      {
        orient: 'bottom',
        scale: 'x',
        title: s.paramName,
        tickCount: 5,
        format: log ? '.0e' : 'd',
        labelFontSize: 9,
        titleFontSize: 10,
        labelOverlap: true,
      },
      {
        orient: 'left',
        scale: 'y',
        title: 'error / allowed',
        tickCount: 5,
        format: '.0e',
        labelFontSize: 9,
        titleFontSize: 10,
        labelOverlap: true,
        grid: true,
        gridOpacity: 0.25,
      },
    ],
    title: { text: ps.title, fontSize: 11, offset: 14, anchor: 'start' },
    clip: false,
    marks: [
      {
        type: 'rect',
        from: { data: `${name}s` },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x0' },
            x2: { scale: 'x', field: 'x1' },
            y: { value: -11 },
            height: { value: 7 },
            fill: { scale: 'c', field: 'c' },
          },
        },
      },
      {
        type: 'line',
        from: { data: `${name}e` },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' },
            y: { scale: 'y', field: 'b' },
            stroke: { value: '#777' },
            strokeDash: { value: [4, 3] },
            strokeWidth: { value: 1.2 },
            defined: { signal: 'isValid(datum.b)' },
          },
        },
      },
      {
        type: 'line',
        from: { data: `${name}e` },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' },
            y: { scale: 'y', field: 'y' },
            stroke: { value: '#1f77b4' },
            strokeWidth: { value: 1.6 },
            defined: { signal: 'isValid(datum.y)' },
          },
        },
      },
      {
        type: 'rule',
        from: { data: `${name}t` },
        encode: {
          enter: {
            x: { scale: 'x', field: 'x' },
            y: { value: -4 },
            y2: { value: PANEL_H },
            stroke: { value: '#d62728' },
            strokeDash: { value: [2, 2] },
          },
        },
      },
    ],
  };
}

/** One SVG per op: a panel per sweep. */
export async function opChartSvg(op: OpAudit): Promise<string> {
  const sweeps = op.sweeps.filter((s) => s.points.length > 0).flatMap(panelsOf);
  const rows = Math.ceil(sweeps.length / COLS);
  const spec: vega.Spec = {
    width: Math.min(sweeps.length, COLS) * (PANEL_W + GAP_X) - GAP_X,
    height: rows * (PANEL_H + GAP_Y) - GAP_Y + TOP,
    padding: { left: 72, right: 12, top: 8, bottom: 40 },
    autosize: 'none',
    background: 'white',
    marks: sweeps.map((s, i) => panel(s, i, i % COLS, Math.floor(i / COLS))),
  };
  return toSvg(spec);
}

/** J(w) against φ(z) for y = 1 and y = 0: the implementation's curves and the exact ones. */
export async function bceChartSvg(b: BcePlot): Promise<string> {
  const values: { phi: number; j: number; series: string }[] = [];
  const push = (phi: number[], j: number[], series: string) =>
    phi.forEach((p, i) => {
      if (Number.isFinite(p) && Number.isFinite(j[i])) values.push({ phi: round4(p), j: round4(j[i]), series });
    });
  if (b.implementation) {
    push(b.implementation.phi, b.implementation.j1, 'implementation, y = 1');
    push(b.implementation.phi, b.implementation.j0, 'implementation, y = 0');
  }
  push(b.reference.phi, b.reference.j1, 'exact, y = 1');
  push(b.reference.phi, b.reference.j0, 'exact, y = 0');
  const series = ['implementation, y = 1', 'implementation, y = 0', 'exact, y = 1', 'exact, y = 0'];
  const spec: vega.Spec = {
    width: 520,
    height: 300,
    padding: { left: 10, right: 10, top: 10, bottom: 10 },
    autosize: 'pad',
    background: 'white',
    data: [{ name: 't', values }],
    scales: [
      { name: 'x', type: 'linear', domain: [0, 1], range: 'width' },
      { name: 'y', type: 'linear', domain: [0, 5.2], range: 'height', clamp: true },
      { name: 'c', type: 'ordinal', domain: series, range: ['#1f77b4', '#d62728', '#111111', '#111111'] },
      { name: 'd', type: 'ordinal', domain: series, range: [[1, 0], [1, 0], [5, 4], [2, 3]] },
      { name: 'w', type: 'ordinal', domain: series, range: [2.5, 2.5, 1.2, 1.2] },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'φ(z) = sigmoid(z), z from −5 to 5', grid: true, gridOpacity: 0.2 },
      { orient: 'left', scale: 'y', title: 'J(w)', grid: true, gridOpacity: 0.2 },
    ],
    legends: [{
      stroke: 'c',
      strokeDash: 'd',
      orient: 'top',
      direction: 'horizontal',
      symbolType: 'stroke',
      labelFontSize: 11,
      labelLimit: 260,
      columnPadding: 18,
    }],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'f', data: 't', groupby: 'series' } },
        marks: [
          {
            type: 'line',
            from: { data: 'f' },
            sort: { field: 'datum.phi' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'phi' },
                y: { scale: 'y', field: 'j' },
                stroke: { scale: 'c', field: 'series' },
                strokeDash: { scale: 'd', field: 'series' },
                strokeWidth: { scale: 'w', field: 'series' },
              },
            },
          },
        ],
      },
    ],
  };
  return toSvg(spec);
}
