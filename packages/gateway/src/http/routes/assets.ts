// The pages' style sheet and live-update script, served from strings compiled into the gateway,
// and the sandbox's asset and avatar icons (the `iconUrl`s of MixPay's asset lists).
import type { FastifyInstance } from 'fastify';
import { LIVE_JS, STYLE_CSS } from '../pages/assets.js';
import { html } from '../pages/html.js';

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

  // A disc with the symbol's first letters: enough for a wallet UI to show something.
  app.get<{ Params: { file: string } }>('/assets/icons/:file', async (request, reply) => {
    const match = /^([A-Za-z0-9]{1,12})\.svg$/.exec(request.params.file);
    if (!match) return reply.callNotFound();
    const label = (match[1] as string).slice(0, 4);
    const svg = html`<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><circle cx="32" cy="32" r="32" fill="#3b5bdb"/><text x="32" y="38" font-family="sans-serif" font-size="${label.length > 3 ? 14 : 18}" fill="#fff" text-anchor="middle">${label}</text></svg>`;
    return reply
      .header('content-type', 'image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(String(svg));
  });
}
