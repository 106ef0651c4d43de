/**
 * Progress bars for long work (cli-progress). Bars draw only on an interactive terminal;
 * elsewhere (CI, pipes) a line is printed every `logEvery` percent so logs stay readable.
 */
import cliProgress from "cli-progress";

export interface Progress {
  /** Advance by `n` units; `info` replaces the bar's trailing text (e.g. "loss 0.0123"). */
  tick(n?: number, info?: string): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Set false to silence (library use, tests). */
  enabled?: boolean;
  stream?: NodeJS.WriteStream;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false || options.total <= 0) return { tick: () => {}, stop: () => {} };
  if (!stream.isTTY) return lineProgress(options, stream);
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label} [{bar}] {value}/{total} {percentage}% eta {eta_formatted} {info}`,
      stream,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(options.total, 0, { info: "" });
  return {
    tick: (n = 1, info = "") => bar.increment(n, { info }),
    stop: () => bar.stop(),
  };
}

function lineProgress(options: ProgressOptions, stream: NodeJS.WriteStream): Progress {
  let done = 0;
  let lastDecile = -1;
  const start = Date.now();
  return {
    tick(n = 1, info = "") {
      done += n;
      const decile = Math.floor((10 * done) / options.total);
      if (decile !== lastDecile) {
        lastDecile = decile;
        const secs = ((Date.now() - start) / 1000).toFixed(1);
        stream.write(`${options.label}: ${done}/${options.total} (${Math.round((100 * done) / options.total)}%, ${secs}s) ${info}\n`);
      }
    },
    stop() {},
  };
}
