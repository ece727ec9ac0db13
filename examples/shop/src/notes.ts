// What the kit's hooks told the shop, kept per order so people (and tests) can see it.
import type { Kysely } from 'kysely';

export interface NotesDatabase {
  shop_notes: { order_id: string; kind: string; detail: string; at: number };
}

export interface Note {
  kind: 'paid' | 'failed' | 'paid_less' | 'settled' | 'mismatch';
  detail: Record<string, unknown>;
  at: number;
}

export class Notes {
  private constructor(private readonly db: Kysely<NotesDatabase>) {}

  // biome-ignore lint/suspicious/noExplicitAny: shares the shop's database with the kit's order table
  static async open(db: Kysely<any>): Promise<Notes> {
    await db.schema
      .createTable('shop_notes')
      .ifNotExists()
      .addColumn('order_id', 'varchar(36)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('detail', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .execute();
    return new Notes(db as Kysely<NotesDatabase>);
  }

  async add(orderId: string, kind: Note['kind'], detail: Record<string, unknown>): Promise<void> {
    await this.db
      .insertInto('shop_notes')
      .values({ order_id: orderId, kind, detail: JSON.stringify(detail), at: Date.now() })
      .execute();
  }

  async list(orderId: string): Promise<Note[]> {
    const rows = await this.db
      .selectFrom('shop_notes')
      .selectAll()
      .where('order_id', '=', orderId)
      .orderBy('at')
      .execute();
    return rows.map((r) => ({ kind: r.kind as Note['kind'], detail: JSON.parse(r.detail), at: Number(r.at) }));
  }
}
