// Polls until a state is reached or a deadline passes: waiting on the gateway without guessing
// how long it takes.
import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves to the first defined value of `check`, or `undefined` once `timeoutMs` has passed. */
export async function pollUntil<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs, intervalMs = 100 }: { timeoutMs: number; intervalMs?: number },
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) return undefined;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}
