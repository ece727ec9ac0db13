// The document builder over a route record of its own making, without a server: what it takes
// from each route's declaration and from the access of the scope the route was registered in.
// test/openapi.test.ts checks the document of the gateway's real routes.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RegisteredRoute } from './access.js';
import { buildOpenApiDocument, toOpenApiPath } from './openapi.js';

const idParams = z.object({ id: z.string().min(1).max(64) });
const routes: RegisteredRoute[] = [
  {
    method: 'POST',
    url: '/v1/things',
    access: 'public',
    api: {
      method: 'POST',
      url: '/v1/things',
      tag: 'payments',
      summary: 'Make a thing',
      body: z.object({ a: z.string() }),
    },
  },
  {
    method: 'POST',
    url: '/admin/things/:id/redo',
    access: 'operator',
    api: {
      method: 'POST',
      url: '/admin/things/:id/redo',
      tag: 'admin',
      summary: 'Redo',
      params: idParams,
      notFound: true,
    },
  },
  { method: 'GET', url: '/dashboard', access: 'dashboard' },
];

type Paths = Record<string, Record<string, any>>;
const pathsOf = (tokenConfigured: boolean) =>
  buildOpenApiDocument(routes, { tokenConfigured, publicUrl: 'http://x' }).paths as Paths;

describe('buildOpenApiDocument', () => {
  it('documents the declared routes only, at their OpenAPI paths', () => {
    expect(Object.keys(pathsOf(false))).toEqual(['/v1/things', '/admin/things/{id}/redo']);
    expect(pathsOf(false)['/admin/things/{id}/redo']?.post.operationId).toBe('postAdminThingsIdRedo');
  });

  it('guards what an operator scope registered: the token where one is configured, open without', () => {
    expect(pathsOf(true)['/admin/things/{id}/redo']?.post.security).toEqual([{ adminToken: [] }]);
    expect(pathsOf(false)['/admin/things/{id}/redo']?.post.security).toEqual([{}, { adminToken: [] }]);
    expect(Object.keys(pathsOf(true)['/admin/things/{id}/redo']?.post.responses)).toEqual(
      expect.arrayContaining(['401', '403', '404']),
    );
    expect(pathsOf(true)['/v1/things']?.post.security).toBeUndefined();
    // A public create at /v1 may conflict (409) and is rate limited (429); it has no 401.
    expect(Object.keys(pathsOf(true)['/v1/things']?.post.responses)).toEqual(
      expect.arrayContaining(['400', '409', '415', '429']),
    );
    expect(Object.keys(pathsOf(true)['/v1/things']?.post.responses)).not.toContain('401');
  });

  it('turns Fastify path parameters into OpenAPI ones', () => {
    expect(toOpenApiPath('/v1/sandbox/transfers/:txid/confirmations')).toBe(
      '/v1/sandbox/transfers/{txid}/confirmations',
    );
    expect(pathsOf(false)['/admin/things/{id}/redo']?.post.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string', minLength: 1, maxLength: 64 } },
    ]);
  });
});
