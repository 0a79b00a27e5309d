/**
 * The HTML report: one self-contained file (inline CSS and SVG; no script, no font, no link;
 * a Content-Security-Policy forbids every fetch). Everything taken from the report is escaped.
 */
import { bceChartSvg, cellClass, CELL_COLORS, CELL_LABELS, opChartSvg, type CellClass } from './charts.js';
import { errorShort, ratioText } from '../verify/wording.js';
import { type AuditReport, type AuditSweep, type OpAudit } from './run.js';
import { formatParam } from '../ops/lib/sweeps.js';

export function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const anchor = (op: string) => `op-${op.replace(/[^a-z0-9_]/gi, '-')}`;

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;margin:0 auto;max-width:1240px;padding:0 20px 60px}
h1{font-size:22px;margin:22px 0 4px}h2{font-size:18px;margin:34px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px;margin:22px 0 4px}
.meta{color:#555;margin:0 0 10px}nav a{margin-right:14px}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}th{background:#f5f5f7}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.stable{color:#1a7f37;font-weight:600}.breaks{color:#c62828;font-weight:600}.notrun{color:#8a6d00;font-weight:600}
.ok{color:#1a7f37}.bad{color:#c62828}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:6px 8px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;font-size:12px;margin:4px 0 12px}
code{font-size:12px}
.legend span.sw{display:inline-block;width:12px;height:12px;margin:0 4px -2px 12px;border:1px solid #999}
.legend{font-size:12px;margin:6px 0}
table.map{table-layout:fixed;border-collapse:collapse}table.map td{border:none;padding:0;height:15px}table.map td.l{padding:0 8px 0 0;font-size:12px;white-space:nowrap;width:auto}
table.map td.g{border-right:1px solid #fff}
figure{margin:6px 0 10px}svg{max-width:100%;height:auto}
details{margin:4px 0 10px}summary{cursor:pointer;color:#444}
.small{font-size:12px;color:#555}
`;

function legend(): string {
  const items = (Object.keys(CELL_COLORS) as CellClass[]).map((c) =>
    `<span class="sw" style="background:${CELL_COLORS[c]}"></span>${esc(CELL_LABELS[c])}`
  );
  return `<div class="legend">${items.join('')}</div>`;
}

function verdictCell(o: OpAudit): string {
  const cls = o.verdict === 'stable' ? 'stable' : o.verdict === 'breaks' ? 'breaks' : 'notrun';
  return `<span class="${cls}">${esc(o.verdict)}</span>`;
}

function summaryTable(rep: AuditReport): string {
  const rows = rep.ops.map((o) => {
    const worst = o.worst ? esc(errorShort({ ...o.worst, tiny: o.worst.status === 'tiny' }, rep.adapter.dtype)) : '–';
    return `<tr><td><a href="#${anchor(o.op)}"><code>${esc(o.op)}</code></a></td><td>${verdictCell(o)}</td><td>${
      esc(o.summary)
    }</td><td class="n">${worst}</td><td class="n">${o.counts.points}</td><td class="n">${o.counts.broken}</td></tr>`;
  });
  return `<table><thead><tr><th>op</th><th>verdict</th><th>where it breaks</th><th>worst error / allowed (finite results)</th><th>points</th><th>broken</th></tr></thead><tbody>${
    rows.join('')
  }</tbody></table>`;
}

function thresholdsTable(rep: AuditReport): string {
  if (rep.thresholds.length === 0) return '<p>No thresholds: every sweep point is within its bound (or not judged).</p>';
  const rows = rep.thresholds.map((t) => {
    const sweep = rep.ops.find((o) => o.op === t.op)?.sweeps.find((s) => s.id === t.sweep);
    const bracket = t.bracket ? `${esc(formatParam(t.bracket[0], 6))} … ${esc(formatParam(t.bracket[1], 6))}` : 'first point';
    return `<tr><td><code>${esc(t.op)}</code></td><td>${esc(sweep?.title ?? t.sweep)}</td><td>${esc(t.kind)}</td><td class="n">${
      esc(formatParam(t.at, 6))
    }</td><td class="n">${bracket}</td><td>${esc(t.what ?? '')}</td><td class="n">${t.refined ? t.evaluations : '–'}</td><td>${
      esc(t.message)
    }<div class="small">${esc(t.detail)}</div></td></tr>`;
  });
  return `<table><thead><tr><th>op</th><th>sweep</th><th>kind</th><th>at</th><th>bracket</th><th>result</th><th>bisection steps</th><th>message and verdict at the threshold</th></tr></thead><tbody>${
    rows.join('')
  }</tbody></table>`;
}

/** Runs of identical cells (colspan) with a title per run. */
function mapRow(label: string, sweep: AuditSweep | undefined, columns: number[], describe: (x: number) => string): string {
  const cells: { c: CellClass | 'none'; from: number; to: number }[] = [];
  columns.forEach((x, i) => {
    const p = sweep?.points.find((q) => q.param === x);
    const c = p ? cellClass(p) : 'none';
    const last = cells[cells.length - 1];
    if (last && last.c === c) last.to = i;
    else cells.push({ c, from: i, to: i });
  });
  const tds = cells.map((r) => {
    const span = r.to - r.from + 1;
    const what = r.c === 'none' ? 'not in this sweep' : CELL_LABELS[r.c];
    const range = r.from === r.to ? describe(columns[r.from]) : `${describe(columns[r.from])} … ${describe(columns[r.to])}`;
    const bg = r.c === 'none' ? '#fff' : CELL_COLORS[r.c];
    return `<td class="g" colspan="${span}" style="background:${bg}" title="${esc(`${label} · ${range}: ${what}`)}"></td>`;
  });
  return `<tr><td class="l"><code>${esc(label)}</code></td>${tds.join('')}</tr>`;
}

function nonFiniteMap(rep: AuditReport): string {
  const ids: string[] = [];
  for (const o of rep.ops) for (const s of o.sweeps) if (!ids.includes(s.id)) ids.push(s.id);
  const blocks = ids.map((id) => {
    const owners = rep.ops.filter((o) => o.sweeps.some((s) => s.id === id && s.points.length));
    if (!owners.length) return '';
    const first = owners[0].sweeps.find((s) => s.id === id)!;
    const columns: number[] = [];
    for (const o of owners) {
      for (const p of o.sweeps.find((s) => s.id === id)!.points) if (!columns.includes(p.param)) columns.push(p.param);
    }
    const down = first.direction === 'down';
    columns.sort((a, b) => (down ? b - a : a - b));
    const describe = (x: number) => `${first.paramName} = ${formatParam(x)}`;
    const width = Math.max(240, Math.min(900, columns.length * 9));
    const rows = owners.map((o) => mapRow(o.op, o.sweeps.find((s) => s.id === id), columns, describe));
    const counts = owners.map((o) => {
      const s = o.sweeps.find((q) => q.id === id)!;
      const n = s.points.reduce((a, p) => a + (p.nan > 0 ? 1 : 0), 0);
      const i = s.points.reduce((a, p) => a + (p.posInf + p.negInf > 0 ? 1 : 0), 0);
      return n || i ? `${o.op}: ${n} NaN point(s), ${i} ±Infinity point(s)` : '';
    }).filter(Boolean);
    return `<h3>${esc(first.title)}</h3><p class="small">${esc(first.paramName)} from ${esc(formatParam(columns[0]))} (left) to ${
      esc(formatParam(columns[columns.length - 1]))
    } (right), ${columns.length} points; hover a cell for its range.${counts.length ? ' ' + esc(counts.join('; ')) + '.' : ''}</p>
<table class="map" style="width:${width + 330}px"><colgroup><col style="width:330px">${
      columns.map(() => '<col>').join('')
    }</colgroup><tbody>${rows.join('')}</tbody></table>`;
  });
  return blocks.join('\n');
}

function gradientsSection(rep: AuditReport): string {
  if (!rep.gradients.length) {
    return `<p>${esc(rep.notes.find((n) => n.startsWith('No backward op')) ?? 'No gradient checks were run.')}</p>`;
  }
  const rows = rep.gradients.map((g) => {
    const fd = g.fd
      ? `<span class="${g.fd.ok ? 'ok' : 'bad'}">${g.fd.ok ? 'agrees' : 'DISAGREES'}</span> (ratio ${
        esc(g.fd.ratio === null ? '–' : g.fd.ratio.toPrecision(2))
      }, ${esc(g.fd.mode)}, ${g.fd.calls} calls)<div class="small">${esc(g.fd.message)}</div>`
      : `<span class="small">not checked: ${esc(g.fdSkipped ?? '')}</span>`;
    const r = g.reference;
    const refOk = r.status === 'pass' || r.status === 'tiny';
    const ref = `<span class="${refOk ? 'ok' : 'bad'}">${esc(r.status)}</span>, error / allowed ${
      esc(ratioText(r.ratio))
    }<div class="small">${esc(r.message)}</div>`;
    return `<tr><td><code>${esc(g.op)}</code></td><td>${esc(g.point)}</td><td>${fd}</td><td>${ref}</td></tr>`;
  });
  return `<p>The backward op against Ridders finite differences of the implementation's own forward op (<code>gradcheck</code>, fast mode: a random projection uᵀJv, the full Jacobian when it disagrees), and against the correctly rounded reference (verify's verdict).</p>
<table><thead><tr><th>backward op</th><th>point</th><th>vs finite differences of its forward op</th><th>vs the reference</th></tr></thead><tbody>${
    rows.join('')
  }</tbody></table>`;
}

async function bceSection(rep: AuditReport): Promise<string> {
  const b = rep.bce;
  if (!b) return '<p>Not computed.</p>';
  const svg = await bceChartSvg(b);
  const rows = b.verdicts.map(
    (v) =>
      `<tr><td><code>${esc(v.op)}</code>${v.target === null ? '' : ` (y = ${v.target})`}</td><td>${esc(v.status)}</td><td class="n">${
        esc(ratioText(v.ratio ?? null))
      }</td><td class="small">${esc(v.message)}</td></tr>`,
  );
  return `<p>Binary cross-entropy J(w) = −y·log φ − (1 − y)·log(1 − φ) for y = 1 and y = 0 against the sigmoid output φ(z), z from −5 to 5 (101 points). ${
    esc(b.note)
  }</p>
<figure>${svg}</figure>${
    rows.length
      ? `<table><thead><tr><th>call</th><th>verdict</th><th>error / allowed</th><th>worst element</th></tr></thead><tbody>${
        rows.join('')
      }</tbody></table>`
      : ''
  }`;
}

function worstSection(rep: AuditReport): string {
  if (!rep.worstCases.length) return '<p>No broken or out-of-bound point.</p>';
  const items = rep.worstCases.map((c) => {
    const head = `<code>${esc(c.op)}</code> · ${esc(c.point)} · ${esc(c.why)}`;
    const replay = c.replay
      ? `<pre><code>${esc(c.replay)}</code></pre>`
      : `<p class="small">args too large to inline: rebuild them with <code>sweepsFor</code> (sweep ${esc(c.sweep)}, parameter ${
        esc(formatParam(c.param))
      }, seed ${rep.seed}).</p>`;
    return `<li>${head}<div class="small">${esc(c.message)}</div>${replay}</li>`;
  });
  return `<ol>${items.join('\n')}</ol>`;
}

export async function formatAuditHtml(rep: AuditReport): Promise<string> {
  const charts: string[] = [];
  for (const o of rep.ops) {
    const svg = o.sweeps.some((s) => s.points.length) ? await opChartSvg(o) : '';
    const defs = o.sweeps.map((s) => `<li><b>${esc(s.title)}</b>: ${esc(s.definition)}</li>`).join('');
    charts.push(
      `<h3 id="${anchor(o.op)}"><code>${esc(o.op)}</code> — ${verdictCell(o)}</h3><p>${esc(o.summary)}</p>${
        svg ? `<figure>${svg}</figure>` : ''
      }<details><summary>sweep definitions</summary><ul>${defs}</ul></details>${
        o.notes.map((n) => `<p class="small">${esc(n)}</p>`).join('')
      }`,
    );
  }
  const a = rep.adapter;
  const mode = rep.quick ? 'quick' : 'full';
  const adapterCmd = rep.adapterArgs.length
    ? `xent-oracle audit ${rep.adapterArgs.map((s) => (/\s/.test(s) ? `"${s}"` : s)).join(' ')}${rep.quick ? ' --quick' : ''}`
    : '';
  const notes = [
    ...rep.notes,
    ...(rep.unsupported.length ? [`declared ops that are not in the catalog: ${rep.unsupported.join(', ')}`] : []),
    ...(rep.ended ? [`the implementation ended: ${rep.ended}`] : []),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>xent-oracle audit: ${esc(a.name)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>Numerical-stability audit: ${esc(a.name)} <span class="small">(${esc(a.dtype)})</span></h1>
<p class="meta">xent-oracle ${esc(rep.tool.version)} · ${esc(rep.schema)} · ${esc(mode)} sweeps · seed ${rep.seed} · profile ${
    esc(rep.profile)
  } · ${rep.timing.evaluations} points judged in ${esc((rep.timing.totalMs / 1000).toFixed(1))} s${
    adapterCmd ? ` · <code>${esc(adapterCmd)}</code>` : ''
  }</p>
<nav><a href="#summary">verdicts</a><a href="#thresholds">thresholds</a><a href="#charts">charts</a><a href="#map">NaN / ±Infinity map</a><a href="#gradients">gradients</a><a href="#bce">BCE plot</a><a href="#worst">worst cases</a></nav>
<p class="small">An audit reports, it does not judge: it shows where each op stops being accurate (NaN, ±Infinity, or an error beyond the bound that <code>xent-oracle verify</code> allows, against the correctly rounded reference). Method: docs/audit.md.</p>
${notes.map((n) => `<p class="small">Note: ${esc(n)}</p>`).join('\n')}
<h2 id="summary">Verdict per op</h2>
${summaryTable(rep)}
<h2 id="thresholds">Thresholds</h2>
<p class="small">The parameter at which the behaviour changes, refined by bisection between the last good and the first bad sweep point (to ~4 significant digits) for continuous sweeps.</p>
${thresholdsTable(rep)}
<h2 id="charts">Error against the sweep parameter</h2>
<p class="small">Blue: error / allowed of the worst element (log scale; exact results drawn at 0.01; above 1 the point is out of its bound). Dashed grey: the bound (1). The strip above each panel: the status of each point. Red dotted rules: thresholds.</p>
${legend()}
${charts.join('\n')}
<h2 id="map">Where NaN and ±Infinity appear</h2>
${legend()}
${nonFiniteMap(rep)}
<h2 id="gradients">Gradients</h2>
${gradientsSection(rep)}
<h2 id="bce">Binary cross-entropy against the sigmoid output</h2>
${await bceSection(rep)}
<h2 id="worst">Worst cases, with replay commands</h2>
${worstSection(rep)}
</body>
</html>
`;
}
