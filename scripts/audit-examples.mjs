#!/usr/bin/env node
// Audit the shipped example adapters and write docs/audits/:
//   <name>.html, <name>.json  the reports of `xent-oracle audit` (full sweeps; --quick for coarse ones)
//   README.md                 what the audits found, as measured (thresholds, worst ops, runtimes)
//   screenshot.png            the charts of the naive adapter's report in headless Chromium (if found)
//
//   npm run build && node scripts/audit-examples.mjs [--full] [--only naive,correct,numpy_scipy,tfjs]
//   node scripts/audit-examples.mjs --check [--only …]   # re-run into a temp dir and compare
//
// The committed reports use the quick sweeps (seconds each, ~0.5 MB of JSON); --full writes the
// fine sweeps instead. --check re-runs the audits and compares the JSON reports with the
// committed ones after dropping what depends on the machine's speed (every "ms"/"…Ms" field)
// and README.md up to its "Timings" section; it exits 1 naming the first difference.
// npm test runs `--check --only naive,correct` (test/generated.test.ts).
//
// Each audit runs the built CLI (dist/cli/bin.js) as a child process, exactly as a user would.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, inflateSync } from 'node:zlib';
import { errorShort, ratioText } from '../dist/verify/wording.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'dist/cli/bin.js');
const OUT = join(ROOT, 'docs/audits');
const HTML_LIMIT = 1.5e6;
const SHOT_LIMIT = 300e3;

const EXAMPLES = [
  {
    name: 'naive',
    args: ['examples/adapters/naive.mjs'],
    what: 'the textbook formulas of the articles (float64, plain JS; deliberately wrong)',
  },
  { name: 'correct', args: ['examples/adapters/correct.mjs'], what: 'a careful float64 implementation in plain JS' },
  {
    name: 'numpy_scipy',
    args: ['--cmd', 'python3 examples/adapters/numpy_scipy.py'],
    what: 'NumPy / SciPy over the JSON-lines protocol (float64, PyTorch conventions)',
    needs: ['python3', '-c', 'import numpy, scipy'],
  },
  { name: 'tfjs', args: ['examples/adapters/tfjs.mjs'], what: 'TensorFlow.js, CPU backend (float32)' },
];

function parseArgs(argv) {
  /** @type {{ quick: boolean, only: string[] | null, check: boolean }} */
  const o = { quick: true, only: null, check: false };
  const usage = () => {
    console.error(`usage: node scripts/audit-examples.mjs [--full] [--check] [--only ${EXAMPLES.map((e) => e.name).join(',')}]`);
    process.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') o.quick = true;
    else if (argv[i] === '--full') o.quick = false;
    else if (argv[i] === '--check') o.check = true;
    else if (argv[i] === '--only' && argv[i + 1]) {
      const only = argv[++i].split(',');
      for (const n of only) if (!EXAMPLES.some((e) => e.name === n)) usage();
      o.only = only;
    } else usage();
  }
  return o;
}

/**
 * The report without what depends on the machine's speed (every "ms" / "…Ms" field).
 * @param {unknown} v
 * @returns {unknown}
 */
function stable(v) {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'ms' && !k.endsWith('Ms')).map(([k, x]) => [k, stable(x)]));
  }
  return v;
}

/**
 * The first path where two JSON values differ, or null.
 * @param {any} a
 * @param {any} b
 * @returns {string | null}
 */
function firstDifference(a, b, path = '') {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) return path || '(root)';
  if (a && typeof a === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference(a[k], b[k], `${path}/${k}`);
      if (d) return d;
    }
    return null;
  }
  return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))
    ? null
    : `${path}: committed ${JSON.stringify(a)}, now ${JSON.stringify(b)}`;
}

const TIMINGS = '\n## Timings';

// non-finite numbers travel as "NaN" / "Infinity" / "-Infinity" strings (src/core/json.ts)
const revive = (_k, v) => (v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v);

const md = (s) => String(s).replace(/\|/g, '\\|');

function summarise(ex, rep) {
  const lines = [];
  const cmd = `xent-oracle audit ${ex.args.map((a) => (/\s/.test(a) ? `"${a}"` : a)).join(' ')}${rep.quick ? ' --quick' : ''}`;
  lines.push(`## ${ex.name}: ${rep.adapter.name} (${rep.adapter.dtype})`, '');
  lines.push(
    `${ex.what[0].toUpperCase()}${
      ex.what.slice(1)
    }. \`${cmd}\` — ${rep.timing.evaluations} points judged (timings: last section). Report: [${ex.name}.html](${ex.name}.html), data: [${ex.name}.json](${ex.name}.json).`,
    '',
  );
  const breaks = rep.ops.filter((o) => o.verdict === 'breaks').map((o) => o.op);
  const stable = rep.ops.filter((o) => o.verdict === 'stable').map((o) => o.op);
  lines.push(
    `**${breaks.length} of ${rep.ops.length} ops break somewhere**${breaks.length ? `: ${breaks.map((o) => `\`${o}\``).join(', ')}` : ''}.${
      stable.length ? ` Stable on every sweep: ${stable.map((o) => `\`${o}\``).join(', ')}.` : ''
    }`,
    '',
  );
  const thr = rep.thresholds.filter((t) => t.kind === 'break');
  if (thr.length) {
    lines.push('| op | sweep | breaks at | what | bracket (bisection) |', '|---|---|---|---|---|');
    for (const t of thr) {
      const sweep = rep.ops.find((o) => o.op === t.op).sweeps.find((s) => s.id === t.sweep);
      const what = t.what === 'wrong value'
        ? `out of bound: ${md(t.message.match(/leaves its error bound \((.*)\) (?:from|at|already)/)?.[1] ?? '')}`
        : { nan: 'NaN', '+inf': '+Infinity', '-inf': '−Infinity', error: 'error reply', 'wrong special': 'wrong special value' }[t.what]
          ?? t.what;
      const at = t.message.match(/(?:from|at|already at) (.+?) on \(/)?.[1] ?? t.message.match(/already at (.+?), the first point/)?.[1]
        ?? String(t.at);
      const bracket = !t.bracket
        ? t.message.includes('at every point') ? 'broken at every point' : 'broken at the first point'
        : t.refined
        ? `${Number(t.bracket[0].toPrecision(7))} … ${Number(t.bracket[1].toPrecision(7))} (${t.evaluations} steps)`
        : `between grid points ${t.bracket[0]} and ${t.bracket[1]} (discrete sweep)`;
      lines.push(`| \`${t.op}\` | ${md(sweep.title)} | ${md(at)} | ${what} | ${bracket} |`);
    }
    lines.push('');
  }
  const edges = rep.thresholds.filter((t) => t.kind === 'edge');
  if (edges.length) {
    lines.push(
      `Edge overflows (±Infinity where the exact value is finite but within a factor (n + 1) of the largest float; verify passes them unless \`--strict\`): ${
        edges.map((t) => md(t.message.replace(', where the exact value is near the top of the range (edge overflow)', ''))).join('; ')
      }.`,
      '',
    );
  }
  const worst = rep.ops
    .filter((o) => o.worst && o.worst.status === 'fail')
    .sort((a, b) => b.worst.ratio - a.worst.ratio)
    .slice(0, 3)
    .map((o) => `\`${o.op}\` ${errorShort(o.worst, rep.adapter.dtype)}`);
  if (worst.length) lines.push(`Largest finite errors (error / allowed): ${worst.join(', ')}.`, '');
  const g = rep.gradients;
  if (g.length) {
    const bad = g.filter((x) => x.fd && !x.fd.ok);
    const badOps = [...new Set(bad.map((x) => x.op))];
    const skipped = g.filter((x) => !x.fd).length;
    lines.push(
      `Gradients: ${g.length} points; the backward op ${
        bad.length
          ? `disagrees with finite differences of the implementation's own forward op at ${bad.length} (${
            badOps.map((o) => `\`${o}\``).join(', ')
          })`
          : "agrees with finite differences of the implementation's own forward op everywhere"
      }${
        skipped ? `; ${skipped} not checkable (${[...new Set(g.filter((x) => !x.fd).map((x) => x.fdSkipped))].map(md).join('; ')})` : ''
      }.`,
      '',
    );
  }
  if (rep.bce) {
    const v = rep.bce.verdicts.map((x) =>
      `${x.op}${x.target === null ? '' : ` (y = ${x.target})`} ${x.status} (error / allowed ${ratioText(x.ratio ?? null)})`
    ).join(', ');
    lines.push(`BCE plot: ${md(rep.bce.note)}${v ? ` Verdicts: ${v}.` : ''}`, '');
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------
// screenshot: a tall headless-Chromium screenshot of the report, cropped to its first charts

function findChromium() {
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', process.env.CHROMIUM ?? ''].find((p) =>
    p && existsSync(p)
  );
}

function decodePng(buf) {
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0) throw new Error('unsupported PNG (bit depth / interlace)');
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      if (!channels) throw new Error('unsupported PNG colour type');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      let v = raw[y * (stride + 1) + 1 + x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, data: out };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** RGB PNG of rows [y0, y1) of an image, each row with the 'up' filter (good for flat backgrounds). */
function encodePngRows(img, y0, y1) {
  const { width, channels, data } = img;
  const h = y1 - y0;
  const stride = width * 3;
  const raw = Buffer.alloc(h * (stride + 1));
  const row = (y) => {
    const r = Buffer.alloc(stride);
    for (let x = 0; x < width; x++) for (let k = 0; k < 3; k++) r[3 * x + k] = data[(y * width + x) * channels + k];
    return r;
  };
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < h; y++) {
    const cur = row(y0 + y);
    raw[y * (stride + 1)] = 2;
    for (let x = 0; x < stride; x++) raw[y * (stride + 1) + 1 + x] = (cur[x] - prev[x]) & 0xff;
    prev = cur;
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function screenshot(htmlFile, pngFile) {
  const chromium = findChromium();
  if (!chromium) return 'no Chromium found: screenshot not taken';
  const profile = mkdtempSync(join(tmpdir(), 'xent-audit-shot-'));
  const tall = join(profile, 'tall.png');
  try {
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
      '--hide-scrollbars',
    ];
    const r = spawnSync(chromium, [...flags, `--screenshot=${tall}`, '--window-size=1200,9000', `file://${htmlFile}`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0 || !existsSync(tall)) return `chromium failed: ${r.stderr.slice(-300)}`;
    const img = decodePng(readFileSync(tall));
    // the first status strip of the charts (within-bound green #a6d9a0): crop from the section heading above it
    let first = -1;
    for (let y = 0; y < img.height && first < 0; y++) {
      let run = 0;
      for (let x = 0; x < img.width; x++) {
        const i = (y * img.width + x) * img.channels;
        run = Math.abs(img.data[i] - 0xa6) < 6 && Math.abs(img.data[i + 1] - 0xd9) < 6 && Math.abs(img.data[i + 2] - 0xa0) < 6
          ? run + 1
          : 0;
        if (run > 150) {
          first = y;
          break;
        }
      }
    }
    if (first < 0) return 'no chart found in the screenshot';
    const y0 = Math.max(0, first - 262);
    let y1 = Math.min(img.height, y0 + 1250);
    let png = encodePngRows(img, y0, y1);
    while (png.length > SHOT_LIMIT && y1 - y0 > 500) {
      y1 -= 150;
      png = encodePngRows(img, y0, y1);
    }
    writeFileSync(pngFile, png);
    return `${pngFile} (${img.width}×${y1 - y0}, ${(png.length / 1024).toFixed(0)} KiB)`;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------

const opts = parseArgs(process.argv.slice(2));
if (!existsSync(BIN)) {
  console.error('dist/cli/bin.js is missing: run `npm run build` first');
  process.exit(2);
}
// --check writes into a temp dir and compares; otherwise into docs/audits
const dest = opts.check ? mkdtempSync(join(tmpdir(), 'xent-audits-')) : OUT;
mkdirSync(dest, { recursive: true });
const sections = [];
const rows = [];
const timings = [];
const problems = [];
try {
  for (const ex of EXAMPLES) {
    if (opts.only && !opts.only.includes(ex.name)) continue;
    if (ex.needs) {
      const n = spawnSync(ex.needs[0], ex.needs.slice(1), { cwd: ROOT, encoding: 'utf8' });
      if (n.status !== 0) {
        const why = `${ex.needs.join(' ')} failed: ${(n.stderr || n.error?.message || '').trim().split('\n').pop()}`;
        if (opts.check) problems.push(`${ex.name}: cannot be checked here (${why})`);
        console.error(`${ex.name}: skipped (${why})`);
        sections.push(`## ${ex.name}\n\nNot audited here: \`${ex.needs.join(' ')}\` failed.\n`);
        continue;
      }
    }
    const html = join(dest, `${ex.name}.html`);
    const json = join(dest, `${ex.name}.json`);
    const args = [BIN, 'audit', ...ex.args, '--html', html, '--json', json, ...(opts.quick ? ['--quick'] : [])];
    console.error(`auditing ${ex.name}: node ${args.slice(1).join(' ')}`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
    const seconds = (performance.now() - t0) / 1000;
    if (!opts.check) process.stderr.write(r.stdout);
    if (r.status !== 0) {
      console.error(`${ex.name}: xent-oracle audit exited ${r.status}`);
      problems.push(`${ex.name}: xent-oracle audit exited ${r.status}`);
      sections.push(`## ${ex.name}\n\nThe audit failed (exit ${r.status}).\n`);
      continue;
    }
    const size = statSync(html).size;
    if (size > HTML_LIMIT) console.error(`warning: ${html} is ${(size / 1e6).toFixed(2)} MB (> 1.5 MB)`);
    const rep = JSON.parse(readFileSync(json, 'utf8'), revive);
    if (opts.check) {
      const committed = join(OUT, `${ex.name}.json`);
      if (!existsSync(committed)) problems.push(`${ex.name}: docs/audits/${ex.name}.json is missing`);
      else {
        const d = firstDifference(stable(JSON.parse(readFileSync(committed, 'utf8'), revive)), stable(rep));
        if (d) problems.push(`${ex.name}: docs/audits/${ex.name}.json differs at ${d}`);
      }
    }
    sections.push(summarise(ex, rep));
    rows.push(
      `| [${ex.name}](${ex.name}.html) | ${rep.adapter.dtype} | ${
        rep.ops.filter((o) => o.verdict === 'breaks').length
      } / ${rep.ops.length} | ${rep.thresholds.filter((t) => t.kind === 'break').length} | ${rep.timing.evaluations} | ${
        (size / 1024).toFixed(0)
      } KiB |`,
    );
    timings.push(
      `| ${ex.name} | ${seconds.toFixed(1)} s | ${(rep.timing.totalMs / 1000).toFixed(1)} s | ${
        (rep.timing.adapterMs / 1000).toFixed(1)
      } s |`,
    );
  }
} finally {
  if (opts.check) rmSync(dest, { recursive: true, force: true });
}

const readme = `# Audits of the example adapters

Generated by \`node scripts/audit-examples.mjs${opts.quick ? '' : ' --full'}\` (after \`npm run build\`) with
${
  opts.quick
    ? 'the **quick** sweeps (coarse grids, rows up to 1000 classes)'
    : 'the **full** sweeps (fine grids, rows up to 10^4 classes and one row of 10^5)'
}, seed 1.
What each sweep is and how thresholds are found: [docs/audit.md](../audit.md). Everything below
is copied from the JSON reports, as measured; \`node scripts/audit-examples.mjs --check\` re-runs
the audits and fails if a report differs (npm test checks naive and correct).

| adapter | dtype | ops that break | thresholds | points | HTML |
|---|---|---|---|---|---|
${rows.join('\n')}

![The charts of the naive adapter's report](screenshot.png)

${sections.join('\n')}${TIMINGS} (this machine, as measured; not compared by --check)

| adapter | wall clock | in the audit | in the implementation |
|---|---|---|---|
${timings.join('\n')}
`;

if (opts.check) {
  if (!opts.only) {
    const committed = readFileSync(join(OUT, 'README.md'), 'utf8');
    const upTo = (t) => t.slice(0, t.indexOf(TIMINGS) < 0 ? t.length : t.indexOf(TIMINGS));
    if (upTo(committed) !== upTo(readme)) {
      problems.push('docs/audits/README.md differs from what the reports give (before its Timings section)');
    }
  }
  if (problems.length) {
    for (const p of problems) console.error(p);
    console.error('docs/audits/ is out of date: run `npm run audit:examples`');
    process.exit(1);
  }
  console.log(`docs/audits/ matches the audits (${rows.length} checked)`);
} else {
  let shot = 'not taken (the naive report was not produced)';
  if (existsSync(join(OUT, 'naive.html')) && (!opts.only || opts.only.includes('naive'))) {
    shot = screenshot(join(OUT, 'naive.html'), join(OUT, 'screenshot.png'));
  }
  console.error(`screenshot: ${shot}`);
  writeFileSync(join(OUT, 'README.md'), readme);
  console.error(`wrote ${join(OUT, 'README.md')}`);
}
