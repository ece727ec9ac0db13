// The gateway's logger: JSON lines with secrets redacted wherever they are logged by mistake.
import { describe, expect, it } from 'vitest';
import { createLogger, urlForLog } from './logger.js';

function capture() {
  const lines: string[] = [];
  const logger = createLogger('info', { write: (line: string) => lines.push(line) });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

const TOKEN = 'tok-3f9a8b7c6d5e4f3a2b1c';

describe('createLogger', () => {
  it('redacts credentials in request headers, in every place a request is logged', () => {
    const { logger, lines, parsed } = capture();
    const headers = {
      authorization: `Bearer ${TOKEN}`,
      cookie: `payhook_session=${TOKEN}`,
      'x-payhook-signature': `t=1,v1=${TOKEN}`,
      'proxy-authorization': `Basic ${TOKEN}`,
      'user-agent': 'curl/8',
    };
    logger.info({ req: { method: 'GET', url: '/admin/stats', headers } }, 'a request');
    logger.info({ headers }, 'bare headers');
    logger.warn({ request: { headers } }, 'nested one level');
    logger.info({ res: { headers: { 'set-cookie': `payhook_session=${TOKEN}` } } }, 'an answer');
    expect(lines.join('')).not.toContain(TOKEN);
    const [req, bare, nested, res] = parsed();
    expect(req?.req.headers).toEqual({
      authorization: '[Redacted]',
      cookie: '[Redacted]',
      'x-payhook-signature': '[Redacted]',
      'proxy-authorization': '[Redacted]',
      'user-agent': 'curl/8',
    });
    expect(bare?.headers.authorization).toBe('[Redacted]');
    expect(nested?.request.headers.cookie).toBe('[Redacted]');
    expect(res?.res.headers['set-cookie']).toBe('[Redacted]');
  });

  it('redacts secret-named fields at the top and one level down', () => {
    const { logger, lines, parsed } = capture();
    logger.info(
      {
        adminToken: TOKEN,
        config: {
          adminToken: TOKEN,
          operatorWebhookUrl: `https://hooks.example.com/${TOKEN}`,
          operatorWebhookSecret: TOKEN,
          port: 8080,
        },
        env: { PAYHOOK_ADMIN_TOKEN: TOKEN, PAYHOOK_OPERATOR_WEBHOOK_SECRET: TOKEN },
        signer: { secret: TOKEN, signingSecret: TOKEN },
      },
      'configuration',
    );
    expect(lines.join('')).not.toContain(TOKEN);
    const [line] = parsed();
    expect(line?.adminToken).toBe('[Redacted]');
    expect(line?.config).toEqual({
      adminToken: '[Redacted]',
      operatorWebhookUrl: '[Redacted]',
      operatorWebhookSecret: '[Redacted]',
      port: 8080,
    });
    expect(line?.env).toEqual({ PAYHOOK_ADMIN_TOKEN: '[Redacted]', PAYHOOK_OPERATOR_WEBHOOK_SECRET: '[Redacted]' });
    expect(line?.signer).toEqual({ secret: '[Redacted]', signingSecret: '[Redacted]' });
  });

  it('writes JSON lines at the level asked for', () => {
    const { logger, parsed } = capture();
    logger.debug({ deliveryId: 'd-1' }, 'not shown at info');
    logger.warn({ deliveryId: 'd-1' }, 'shown');
    expect(parsed()).toEqual([expect.objectContaining({ level: 40, deliveryId: 'd-1', msg: 'shown' })]);
  });
});

describe('urlForLog', () => {
  it('drops credentials and the query string, keeps origin and path', () => {
    expect(urlForLog('https://u:p@shop.example:8443/mixpay/callback?token=s3cret#x')).toBe(
      'https://shop.example:8443/mixpay/callback',
    );
    expect(urlForLog('not a url')).toBe('(invalid url)');
  });
});
