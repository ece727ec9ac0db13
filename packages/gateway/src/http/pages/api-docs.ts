// The API reference page at /docs: the OpenAPI document rendered on the server, operation by
// operation. No script, no CDN: it reads the same document /openapi.json serves.
import type { JsonSchema } from '../openapi.js';
import { ERROR_CODES } from '../openapi.js';
import { type HtmlValue, html, type SafeHtml } from './html.js';
import { page } from './layout.js';

const HUGE = Number.MAX_SAFE_INTEGER;

/** A schema in a few words: `string, 6–36 chars, pattern …` or `integer | string`. */
export function describeSchema(schema: JsonSchema | undefined): string {
  if (!schema) return 'any';
  const variants = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (variants) return variants.map((v) => describeSchema(v)).join(' | ');
  const parts: string[] = [];
  if (Array.isArray(schema.enum)) parts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`);
  else parts.push(typeof schema.type === 'string' ? schema.type : 'any');
  const { minLength, maxLength, minimum, maximum, pattern } = schema as Record<string, number | string | undefined>;
  if (minLength !== undefined || maxLength !== undefined) parts.push(`length ${minLength ?? 0}–${maxLength ?? '∞'}`);
  if (typeof minimum === 'number' && minimum > -HUGE) parts.push(`≥ ${minimum}`);
  if (typeof maximum === 'number' && maximum < HUGE) parts.push(`≤ ${maximum}`);
  if (pattern !== undefined) parts.push(`pattern ${pattern}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(', ');
}

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: JsonSchema;
}

function fieldsTable(rows: { name: string; where: string; required: boolean; schema: JsonSchema }[]): HtmlValue {
  if (rows.length === 0) return '';
  return html`<table>
<thead><tr><th>name</th><th>in</th><th>required</th><th>type</th></tr></thead>
<tbody>${rows.map(
    (r) =>
      html`<tr><td><code>${r.name}</code></td><td>${r.where}</td><td>${r.required ? 'yes' : ''}</td><td class="mono">${describeSchema(r.schema)}</td></tr>`,
  )}</tbody></table>`;
}

function operationCard(path: string, method: string, op: JsonSchema): SafeHtml {
  const params = ((op.parameters as Parameter[] | undefined) ?? []).map((p) => ({
    name: p.name,
    where: p.in,
    required: p.required,
    schema: p.schema,
  }));
  const content = (op.requestBody as { content?: Record<string, { schema: JsonSchema; example?: unknown }> })?.content;
  const media = content?.['application/json'];
  const bodySchema = media?.schema;
  const required = new Set((bodySchema?.required as string[] | undefined) ?? []);
  const bodyRows = Object.entries((bodySchema?.properties as Record<string, JsonSchema> | undefined) ?? {}).map(
    ([name, schema]) => ({ name, where: 'body', required: required.has(name), schema }),
  );
  const guarded = Array.isArray(op.security);
  const responses = Object.keys((op.responses as Record<string, unknown>) ?? {});
  return html`<section class="card" id="${op.operationId as string}">
<h3><span class="badge">${method.toUpperCase()}</span> <code>${path}</code></h3>
<p>${op.summary as string}${guarded ? html` <span class="muted">· admin token when configured</span>` : ''}</p>
${op.description ? html`<p class="muted">${op.description as string}</p>` : ''}
${fieldsTable([...params, ...bodyRows])}
${content ? html`<p class="muted">Body: ${Object.keys(content).join(' or ')}</p>` : ''}
${media?.example ? html`<pre class="mono">${JSON.stringify(media.example, null, 2)}</pre>` : ''}
<p class="muted">Answers: ${responses.join(', ')}</p>
</section>`;
}

/** The whole reference, grouped by the document's tags. */
export function apiDocsPage(document: JsonSchema): SafeHtml {
  const paths = document.paths as Record<string, Record<string, JsonSchema>>;
  const tags = (document.tags as { name: string; description: string }[]) ?? [];
  const info = document.info as { title: string; version: string };
  const sections = tags.map((tag) => {
    const cards = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => (op.tags as string[]).includes(tag.name))
        .map(([method, op]) => operationCard(path, method, op)),
    );
    return cards.length === 0 ? '' : html`<h2>${tag.name}</h2><p class="muted">${tag.description}</p>${cards}`;
  });
  return page({
    title: 'API reference',
    main: html`<h1>${info.title} ${info.version}</h1>
<p>Every JSON answer is MixPay's envelope <code>{"code","success","message","data","timestampMs"}</code>.
The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<section class="card"><h3>Error codes</h3><table class="kv"><tbody>${ERROR_CODES.map(
      (c) => html`<tr><th><code>${c.code}</code></th><td>${c.meaning}</td></tr>`,
    )}</tbody></table></section>
${sections}`,
  });
}
