// Record/replay: every callback is kept with the payments_result it was checked against,
// so an incident can be replayed later as a regression test.
import { appendFile, readFile } from 'node:fs/promises';
import type { OrderHooks } from './check-order.js';
import {
  type CallbackHandlerOptions,
  type CallbackRecord,
  type CallbackRecorder,
  createCallbackHandler,
} from './handler.js';
import { RecentLookups } from './recent-lookups.js';
import type { OrderStore } from './store.js';
import { ScriptedResultSource } from './testing.js';
import { lookupFor } from './verify.js';

/** Appends one JSON line per callback to `path`. */
export class JsonlRecorder implements CallbackRecorder {
  private chain: Promise<void> = Promise.resolve();
  constructor(private readonly path: string) {}

  record(entry: CallbackRecord): Promise<void> {
    this.chain = this.chain.then(() => appendFile(this.path, `${JSON.stringify(entry)}\n`));
    return this.chain;
  }

  /** Resolves when every record so far is on disk. */
  flush(): Promise<void> {
    return this.chain;
  }
}

export async function readRecords(path: string): Promise<CallbackRecord[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as CallbackRecord);
}

/**
 * Runs a recorded callback again against `store`, with payments_result answering what it
 * answered then. Returns the new answer, to compare with `record.answer`.
 */
export async function replayCallback(
  record: CallbackRecord,
  options: { store: OrderStore; payeeId: string; hooks?: OrderHooks } & Pick<
    CallbackHandlerOptions,
    'subscribedEvents'
  >,
): Promise<{ status: number; code: string }> {
  const source = new ScriptedResultSource();
  const order = record.orderId ? await options.store.findByOrderId(record.orderId) : undefined;
  const result = record.outcome && 'result' in record.outcome ? record.outcome.result : undefined;
  if (order && result) source.set(lookupFor(order), result);
  else if (order && record.error) source.set(lookupFor(order), new Error(record.error));
  // An answer given from memory ("seen waiting a moment ago") is replayed from the same memory.
  const lookups = new RecentLookups({ now: () => record.receivedAt });
  if (order && record.outcome?.kind === 'recent') lookups.noteWaiting(lookupFor(order), record.receivedAt);
  const handler = createCallbackHandler({ ...options, source, lookups, now: () => record.receivedAt });
  const response = await handler(new Request('http://replay.test/callback', { method: 'POST', body: record.body }), {
    remoteAddress: record.remoteAddress,
  });
  const body = (await response.json()) as { code: string };
  return { status: response.status, code: body.code };
}
