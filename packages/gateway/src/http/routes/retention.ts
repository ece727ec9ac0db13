// Attempt retention, read by operators: this gateway's setting, and what the pruners of every
// gateway on the database have done (their shared state row). Admin routes: the token guards it.
import { okEnvelope, type RetentionStatus } from '@payhook/protocol';
import type { FastifyInstance } from 'fastify';
import { apiRoute } from '../api-route.js';
import type { HttpContext } from '../context.js';

export async function retentionRoutes(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  const { store, clock } = ctx;
  apiRoute(
    app,
    {
      method: 'GET',
      url: '/admin/retention',
      tag: 'admin',
      summary: 'Attempt retention: the setting, attempts pruned so far and the last pruning pass',
    },
    async () =>
      okEnvelope<RetentionStatus>(
        { retentionMs: ctx.attemptRetentionMs ?? 0, ...(await store.retention.state()) },
        clock.now(),
      ),
  );
}
