/**
 * Progress on stderr: a redrawn bar when stderr is a terminal, nothing in between otherwise (logs stay clean).
 */
export interface Progress {
  /** `fraction` in [0, 1], or undefined when the total is unknown (shows elapsed time only). */
  update(label: string, fraction: number | undefined, detail?: string): void;
  done(): void;
}

export const silentProgress: Progress = { update: () => undefined, done: () => undefined };

export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(label, fraction, detail) {
      const now = Date.now();
      if (now - last < 100 && fraction !== 1) return;
      last = now;
      const width = 24;
      const seconds = ((now - started) / 1000).toFixed(0);
      const bar =
        fraction === undefined
          ? `${seconds}s`
          : `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${Math.round(fraction * 100)}%`;
      const line = `  ${label} ${bar}${detail ? ` ${detail}` : ''}`;
      stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 100) - 1)}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
