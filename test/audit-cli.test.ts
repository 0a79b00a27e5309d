/**
 * `xent-oracle audit` end to end, as a child process on the built CLI (dist/cli/bin.js; built once
 * by the e2e project's global setup): usage errors exit 2 with a message and write nothing; a quick
 * audit of the naive example exits 0 (an audit reports, it does not judge) and writes the JSON
 * and HTML reports; the HTML renders in headless Chromium with its charts drawn.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../src/core/json.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'dist/cli/bin.js');
let tmp = '';

beforeAll(() => {
  // dist/ is built once by the e2e project's global setup (test/helpers/build-once.ts)
  tmp = mkdtempSync(join(tmpdir(), 'xent-audit-cli-'));
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function fails(...args: string[]): string {
  const r = cli(...args);
  expect(r.code, `exit code of ${args.join(' ')}; stderr: ${r.stderr}`).toBe(2);
  expect(r.stderr).toMatch(/^xent-oracle: |error: /);
  return r.stderr;
}

function sigmoidOnly(): string {
  const file = join(tmp, 'sigmoid-only.mjs');
  writeFileSync(
    file,
    "export default { name: 'sigmoid only', dtype: 'float64', ops: { sigmoid: ({ x }) => x.map((v) => 1 / (1 + Math.exp(-v))) } };\n",
  );
  return file;
}

describe('xent-oracle audit: usage errors exit 2 and write nothing', () => {
  it('no implementation, or both a module and --cmd', () => {
    expect(fails('audit')).toMatch(/name an implementation/);
    expect(fails('audit', 'examples/adapters/correct.mjs', '--cmd', 'python3 x.py')).toMatch(/either a module .* or --cmd/);
  });

  it('a module that does not exist', () => {
    expect(fails('audit', 'examples/adapters/no-such-adapter.mjs', '--quick')).toMatch(/no-such-adapter\.mjs/);
  });

  it('an unknown op, or an op the implementation does not offer', () => {
    expect(fails('audit', 'examples/adapters/correct.mjs', '--ops', 'softmax,softmaxx')).toMatch(/--ops: unknown op "softmaxx"/);
    expect(fails('audit', sigmoidOnly(), '--ops', 'softmax')).toMatch(/does not offer softmax \(it offers sigmoid\)/);
  });

  it('bad option values', () => {
    expect(fails('audit', 'examples/adapters/correct.mjs', '--seed', 'x')).toMatch(/--seed/);
    expect(fails('audit', 'examples/adapters/correct.mjs', '--profile', 'tf')).toMatch(/profile/);
  });

  it('an unwritable --html or --json: nothing is written', () => {
    const missingDir = join(tmp, 'no-such-dir', 'report.html');
    expect(fails('audit', sigmoidOnly(), '--quick', '--html', missingDir)).toMatch(/--html .*report\.html: cannot write there/);
    expect(existsSync(join(tmp, 'no-such-dir'))).toBe(false);
    const dirAsFile = join(tmp, 'a-directory');
    mkdirSync(dirAsFile);
    expect(fails('audit', sigmoidOnly(), '--quick', '--json', dirAsFile)).toMatch(/is a directory/);
    expect(readdirSync(dirAsFile)).toEqual([]);
  });
});

describe('xent-oracle audit: a quick audit of the naive example', () => {
  const html = () => join(tmp, 'naive.html');
  const json = () => join(tmp, 'naive.json');

  it('exits 0, prints the thresholds and writes both reports atomically', () => {
    const r = cli(
      'audit',
      'examples/adapters/naive.mjs',
      '--quick',
      '--ops',
      'softmax,sigmoid,binary_cross_entropy',
      '--html',
      html(),
      '--json',
      json(),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/softmax returns NaN from logit 709\.78\d* on \(logit scale\)/);
    expect(r.stdout).toContain(`wrote ${html()}`);
    const rep = parseJson(readFileSync(json(), 'utf8')) as {
      schema: string;
      ops: { op: string; verdict: string }[];
      bce: { implementation: unknown };
    };
    expect(rep.schema).toBe('xent-oracle/audit-report@1');
    expect(rep.ops.map((o) => [o.op, o.verdict])).toEqual([
      ['softmax', 'breaks'],
      ['sigmoid', 'stable'],
      ['binary_cross_entropy', 'breaks'],
    ]);
    expect(rep.bce.implementation).not.toBeNull();
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const page = readFileSync(html(), 'utf8');
    expect(page).not.toMatch(/<script|<link|(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(page).toContain('npx xent-oracle verify examples/adapters/naive.mjs --case');
  });

  it('renders in headless Chromium with its charts drawn', (ctx) => {
    const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', process.env.CHROMIUM ?? ''].find((p) =>
      p && existsSync(p)
    );
    if (!chromium) {
      console.warn(
        'audit HTML render check skipped: no Chromium found (looked for /usr/bin/chromium, /usr/bin/chromium-browser, /usr/bin/google-chrome, $CHROMIUM); install it with `apt-get install -y chromium`',
      );
      ctx.skip();
      return;
    }
    expect(existsSync(html()), 'the previous test writes the report').toBe(true);
    const profile = mkdtempSync(join(tmp, 'chromium-'));
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${profile}`,
    ];
    const url = `file://${html()}`;
    const dom = spawnSync(chromium, [...flags, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    expect(dom.status, dom.stderr).toBe(0);
    // the DOM Chromium built holds the charts' marks: 3 op charts + the BCE plot
    expect((dom.stdout.match(/<svg/g) ?? []).length).toBe(4);
    expect((dom.stdout.match(/class="mark-line/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(dom.stdout).toContain('class="mark-rect');
    const png = join(tmp, 'shot.png');
    const shot = spawnSync(chromium, [...flags, `--screenshot=${png}`, '--window-size=1200,2000', url], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(shot.status, shot.stderr).toBe(0);
    const img = decodePng(readFileSync(png));
    expect([img.width, img.height]).toEqual([1200, 2000]);
    let inked = 0;
    let chartBlue = 0;
    for (let i = 0; i < img.width * img.height; i++) {
      const [r, g, b] = [img.rgb[3 * i], img.rgb[3 * i + 1], img.rgb[3 * i + 2]];
      if (r < 230 || g < 230 || b < 230) inked++;
      if (Math.abs(r - 0x1f) < 40 && Math.abs(g - 0x77) < 40 && Math.abs(b - 0xb4) < 40) chartBlue++; // the error lines
    }
    expect(inked / (img.width * img.height)).toBeGreaterThan(0.02); // not blank
    expect(chartBlue).toBeGreaterThan(200); // the error curves are drawn
  });
});

/** A minimal PNG decoder (8-bit RGB / RGBA, non-interlaced): what Chromium writes. */
function decodePng(buf: Buffer): { width: number; height: number; rgb: Uint8Array } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8); // bit depth
      expect(data[12]).toBe(0); // not interlaced
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      expect(channels).toBeGreaterThan(0);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? out[y * stride + x - channels] : 0;
      const b = y > 0 ? out[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
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
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) for (let k = 0; k < 3; k++) rgb[3 * i + k] = out[i * channels + k];
  return { width, height, rgb };
}
