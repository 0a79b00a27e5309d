/**
 * Progress: a bar on a TTY (cli-progress, on stderr); elsewhere (CI logs, pipes) a heartbeat
 * line on stderr at most every 10 s, so a long run is never silent for a minute, and a short
 * one prints nothing extra.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update: (done: number, total: number, label: string) => void;
  stop: () => void;
}

export const HEARTBEAT_MS = 10_000;

export interface HeartbeatOptions {
  /** clock in ms (injectable for tests) */
  now?: () => number;
  /** minimum interval between two lines, ms (default 10 000) */
  intervalMs?: number;
  /** also print from a timer, so a single slow call does not hide the run (default true; tests pass false) */
  timer?: boolean;
}

/**
 * A heartbeat for non-TTY streams: "verify: 120/480 cases (25%), softmax / scale 700, 30 s".
 * A line is written when an update comes at least intervalMs after the previous line (or the
 * start), and from an unref'd timer while nothing updates.
 */
export function heartbeat(title: string, stream: { write(s: string): unknown }, opts: HeartbeatOptions = {}): Progress {
  const now = opts.now ?? (() => Date.now());
  const interval = opts.intervalMs ?? HEARTBEAT_MS;
  const start = now();
  let last = start;
  let state: { done: number; total: number; label: string } | null = null;
  const emit = () => {
    if (!state) return;
    const t = now();
    if (t - last < interval) return;
    last = t;
    const pct = state.total ? ` (${Math.floor((100 * state.done) / state.total)}%)` : '';
    try {
      stream.write(`${title}: ${state.done}/${state.total}${pct}, ${state.label}, ${Math.round((t - start) / 1000)} s\n`);
    } catch {
      // a closed stderr must not end the run
    }
  };
  const timer = opts.timer === false ? null : setInterval(emit, interval);
  timer?.unref();
  return {
    update(done, total, label) {
      state = { done, total, label };
      emit();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}

/**
 * `beat`: off a TTY, print the heartbeat (verify and audit, whose runs take minutes); the
 * other commands stay silent there, as scripts that read their stderr expect.
 */
export function progressReporter(title: string, opts: { beat?: boolean } = {}, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || process.env.CI) return opts.beat ? heartbeat(title, stream) : { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${title} [{bar}] {value}/{total} {label}`, stream, clearOnComplete: true, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total, label) {
      if (!started) {
        bar.start(total, 0, { label: '' });
        started = true;
      }
      bar.setTotal(Math.max(total, done));
      bar.update(done, { label: label.length > 40 ? label.slice(0, 37) + '...' : label });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
