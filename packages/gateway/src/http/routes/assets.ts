// The pages' style sheet and live-update script, served from strings compiled into the gateway.
import type { FastifyInstance } from 'fastify';
import { LIVE_JS, STYLE_CSS } from '../pages/assets.js';

export async function assetRoutes(app: FastifyInstance): Promise<void> {
  const serve = (path: string, type: string, body: string) =>
    app.get(path, async (_request, reply) =>
      reply
        .header('content-type', type)
        .header('cache-control', 'public, max-age=300')
        .header('x-content-type-options', 'nosniff')
        .send(body),
    );
  serve('/assets/payhook.css', 'text/css; charset=utf-8', STYLE_CSS);
  serve('/assets/live.js', 'text/javascript; charset=utf-8', LIVE_JS);
}
