// Sending pages: the headers every page carries, and errors shown as pages to browsers.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PayhookError } from '../../errors.js';
import { answerTo } from '../error-answers.js';
import type { SafeHtml } from './html.js';
import { messagePage } from './layout.js';

/** Scripts and styles from this gateway only; no inline script can run even if escaping failed. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const wantsHtml = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html');

/**
 * Sends a page. `formsToSelf` forbids forms from posting elsewhere (the dashboard); checkout
 * pages go without it because their actions may redirect to the merchant's returnTo.
 */
export function sendPage(
  reply: FastifyReply,
  body: SafeHtml,
  options: { status?: number; formsToSelf?: boolean } = {},
) {
  return reply
    .status(options.status ?? 200)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', options.formsToSelf ? `${CSP}; form-action 'self'` : CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-store')
    .send(body.value);
}

/** The sign-in page, coming back to the page the refused form was on (the dashboard checks `next`). */
function signInHref(request: FastifyRequest): string {
  let next = '/';
  try {
    if (request.headers.referer) next = new URL(request.headers.referer).pathname;
  } catch {}
  return `/dashboard/login?next=${encodeURIComponent(next)}`;
}

/**
 * In `app`'s scope, a payhook error asked for by a browser becomes a page, with the status and
 * title its kind has (error-answers.ts); anything else goes on up.
 */
export function renderErrorsAsPages(app: FastifyInstance, back: { href: string; label: string }): void {
  app.setErrorHandler((error, request, reply) => {
    if (!(error instanceof PayhookError) || !wantsHtml(request)) throw error;
    const { status, title, message } = answerTo(error);
    // Refused for want of credentials: the way on is signing in, then back to where the form was.
    const way = error.kind === 'unauthorized' ? { href: signInHref(request), label: 'Sign in' } : back;
    return sendPage(reply, messagePage(title, message, way), { status, formsToSelf: true });
  });
}
