// Runs the example shop: SQLite orders, the merchant kit, a reconciler, until SIGTERM.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type MerchantDatabase, SqlOrderStore } from '@payhook/merchant/sql';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { loadShopConfig } from './config.js';
import { Notes, type NotesDatabase } from './notes.js';
import { buildShop } from './shop.js';

async function main(): Promise<void> {
  const config = loadShopConfig();
  const path = resolve(config.databaseUrl.replace(/^(sqlite|file):(\/\/)?/, ''));
  mkdirSync(dirname(path), { recursive: true });
  const db = new Kysely<MerchantDatabase & NotesDatabase>({
    dialect: new SqliteDialect({
      database: async () => {
        const conn = new BetterSqlite3(path);
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = FULL');
        return conn;
      },
    }),
  });
  const store = await SqlOrderStore.open(db);
  const notes = await Notes.open(db);
  const { app, reconciler } = buildShop(config, store, notes);
  const url = await app.listen({ port: config.port, host: config.host });
  reconciler.start();
  const senders = [
    config.allowedIps.length > 0 ? `only from ${config.allowedIps.join(', ')}` : 'from anyone',
    config.signingSecrets.length > 0 ? 'signed' : 'unsigned',
  ].join(', ');
  process.stdout.write(
    `payhook example shop listening on ${url} (API ${config.apiBase}, payee ${config.payeeId}, callbacks ${senders})\n`,
  );

  const stop = async () => {
    await reconciler.stop();
    await app.close();
    await db.destroy();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`shop: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
