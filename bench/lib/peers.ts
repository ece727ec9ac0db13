// The peers' queue libraries (BullMQ on Redis, pg-boss), loaded on demand from bench/node_modules,
// which `node scripts/bench-peers.mjs` fills from bench/package.json: they are not dependencies
// of payhook, so a user's `npm ci` never installs them. Typed here by the little of each API the
// benchmark uses, so `tsc -p bench` passes whether or not they are installed.

export interface BullJob<T> {
  data: T;
  attemptsMade: number;
  timestamp: number;
  opts: { delay?: number };
}

export interface BullConnection {
  host: string;
  port: number;
  maxRetriesPerRequest: null;
}

export interface BullQueue<T> {
  addBulk(jobs: { name: string; data: T; opts: { attempts: number; backoff: { type: string } } }[]): Promise<unknown>;
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
  obliterate(opts: { force: boolean }): Promise<void>;
  close(): Promise<void>;
}

export interface BullWorker<T> {
  on(event: 'completed', listener: () => void): void;
  on(event: 'failed', listener: (job: BullJob<T> | undefined) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  waitUntilReady(): Promise<unknown>;
  run(): Promise<void>;
  close(): Promise<void>;
}

export interface Bullmq {
  Queue: new <T>(name: string, opts: { connection: RedisClient; prefix: string }) => BullQueue<T>;
  Worker: new <T>(
    name: string,
    processor: (job: BullJob<T>) => Promise<unknown>,
    opts: {
      connection: BullConnection;
      prefix?: string;
      concurrency: number;
      autorun: boolean;
      settings: { backoffStrategy: (attemptsMade: number) => number };
      lockDuration: number;
    },
  ) => BullWorker<T>;
}

export interface RedisClient {
  connect(): Promise<void>;
  info(section: string): Promise<string>;
  config(op: 'GET', key: string): Promise<unknown>;
  disconnect(): void;
}

export interface Ioredis {
  Redis: new (opts: {
    host: string;
    port: number;
    maxRetriesPerRequest: number | null;
    lazyConnect?: boolean;
  }) => RedisClient;
}

export interface PgBossJob<T> {
  id: string;
  data: T;
  startAfter: Date;
}

export interface PgBoss {
  on(event: 'error', listener: (error: Error) => void): void;
  start(): Promise<unknown>;
  stop(opts: { graceful: boolean; wait: boolean; timeout?: number }): Promise<void>;
  createQueue(name: string, opts: Record<string, unknown>): Promise<void>;
  insert(jobs: { name: string; data: unknown }[]): Promise<void>;
  send(queue: string, data: unknown, opts: { startAfter: Date }): Promise<unknown>;
  work<T>(
    queue: string,
    opts: { batchSize: number; pollingIntervalSeconds: number; includeMetadata: true },
    handler: (jobs: PgBossJob<T>[]) => Promise<void>,
  ): Promise<string>;
  fetch<T>(queue: string, opts: { batchSize: number; includeMetadata: true }): Promise<PgBossJob<T>[] | null>;
  complete(queue: string, id: string): Promise<unknown>;
  getDb(): { executeSql(text: string, values: unknown[]): Promise<{ rows: Record<string, unknown>[] }> };
}

export type PgBossClass = new (opts: { connectionString: string; supervise?: boolean; schedule?: boolean }) => PgBoss;

async function importPeer(name: string): Promise<Record<string, unknown>> {
  try {
    // A specifier in a variable: resolved at run time from bench/node_modules, not by tsc.
    return (await import(name)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${name} is not installed: run \`node scripts/bench-peers.mjs\` (npm run bench:compare does)`, {
      cause: error,
    });
  }
}

export const loadBullmq = async () => (await importPeer('bullmq')) as unknown as Bullmq;
export const loadIoredis = async () => (await importPeer('ioredis')) as unknown as Ioredis;
export const loadPgBoss = async () => (await importPeer('pg-boss')).default as PgBossClass;
