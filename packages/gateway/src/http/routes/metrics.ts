// GET /metrics (Prometheus text format, guarded like the admin API) and the hook that times
// every HTTP answer by route template, so `/admin/deliveries/:id` is one series, not one per id.
import type { FastifyInstance } from 'fastify';
import { type GatewayMetrics, UNMATCHED_ROUTE } from '../../metrics.js';
import { apiRoute } from '../api-route.js';

/** Install on the root instance before any route, so every answer is timed (404s included). */
export function installRequestMetrics(app: FastifyInstance, metrics: GatewayMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.recordRequest(
      request.method,
      request.routeOptions.url ?? UNMATCHED_ROUTE,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
}

export async function metricsRoutes(app: FastifyInstance, metrics: GatewayMetrics): Promise<void> {
  apiRoute(
    app,
    {
      method: 'GET',
      url: '/metrics',
      tag: 'operations',
      summary: 'Prometheus metrics (text exposition format)',
      produces: 'text/plain',
    },
    async (_input, _request, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
    },
  );
}
