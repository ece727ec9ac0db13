// The routes a gateway serves, read from Fastify's own route tree, so a test can sweep every
// route (including ones added later) instead of a hand-kept list.

export interface ServedRoute {
  method: string;
  /** Fastify's form: `/admin/payments/:traceId`. */
  path: string;
}

/** Every method and path of `app` except HEAD (which Fastify adds for each GET). */
export function servedRoutes(app: { printRoutes(options: { commonPrefix: boolean }): string }): ServedRoute[] {
  const stack: string[] = [];
  const routes: ServedRoute[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    // One node a line, four columns per level, methods in parentheses.
    const match = /^((?:[│ ] {3})*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] as string).length / 4;
    const path = (stack[depth - 1] ?? '') + (match[2] as string);
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of (match[3] ?? '').split(', ').filter((m) => m !== '' && m !== 'HEAD')) {
      routes.push({ method, path });
    }
  }
  return routes;
}
