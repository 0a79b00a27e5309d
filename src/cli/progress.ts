/**
 * A progress bar on a TTY (cli-progress, on stderr), nothing otherwise: CI logs and pipes
 * stay clean.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update: (done: number, total: number, label: string) => void;
  stop: () => void;
}

export function progressReporter(title: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY || process.env.CI) return { update: () => {}, stop: () => {} };
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
