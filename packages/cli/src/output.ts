// Where the CLI writes: results on stdout (a table, or JSON with --json), everything else —
// progress, notes, errors — on stderr, so `payhook … --json | jq` always reads clean JSON.
import type { Writable } from 'node:stream';

export interface Output {
  /** --json: results are JSON (one document, or NDJSON for streams). */
  readonly json: boolean;
  /** A line of the human-readable result. */
  line(text: string): void;
  /** A JSON result: pretty for one document, one line each when `ndjson`. */
  data(value: unknown, ndjson?: boolean): void;
  /** A note for the person at the terminal; never part of the result. */
  note(text: string): void;
  readonly stderr: Writable & { isTTY?: boolean };
}

export function createOutput(
  json: boolean,
  stdout: Writable = process.stdout,
  stderr: Writable & { isTTY?: boolean } = process.stderr,
): Output {
  return {
    json,
    line: (text) => stdout.write(`${text}\n`),
    data: (value, ndjson = false) =>
      stdout.write(`${ndjson ? JSON.stringify(value) : JSON.stringify(value, null, 2)}\n`),
    note: (text) => stderr.write(`${text}\n`),
    stderr,
  };
}
