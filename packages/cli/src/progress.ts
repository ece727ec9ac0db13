// Progress on stderr for operations that wait: a spinner on a terminal, one "…" line otherwise
// (CI logs and pipes get no control characters).
import type { Writable } from 'node:stream';

export interface Progress {
  update(message: string): void;
  /** Clears the spinner; the caller prints the outcome. */
  stop(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function startProgress(message: string, stream: Writable & { isTTY?: boolean } = process.stderr): Progress {
  if (!stream.isTTY) {
    stream.write(`${message}…\n`);
    return { update() {}, stop() {} };
  }
  let text = message;
  let frame = 0;
  const draw = () => {
    stream.write(`\r\x1b[K${FRAMES[frame % FRAMES.length]} ${text}…`);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, 80);
  timer.unref();
  return {
    update(next) {
      text = next;
    },
    stop() {
      clearInterval(timer);
      stream.write('\r\x1b[K');
    },
  };
}
