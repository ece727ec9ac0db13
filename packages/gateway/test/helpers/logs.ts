// Captures the gateway's own logger (createLogger: JSON lines, redaction on) for assertions.
import type pino from 'pino';
import { createLogger } from '../../src/logger.js';

export interface LogLine {
  level: number;
  msg?: string;
  [key: string]: unknown;
}

export interface CapturedLogs {
  logger: pino.Logger;
  /** Every line as written, raw. */
  text(): string;
  lines(): LogLine[];
}

export function captureLogs(level = 'info'): CapturedLogs {
  const raw: string[] = [];
  const logger = createLogger(level, { write: (line: string) => raw.push(line) });
  return {
    logger,
    text: () => raw.join(''),
    lines: () => raw.map((line) => JSON.parse(line) as LogLine),
  };
}
