import type { JsonSchema } from './json-schema.ts';

const escape = (value: unknown): string =>
  String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const anchor = (name: string) => `schema-${name.replace(/[^\w-]/g, '_')}`;

/** A one-line description of a schema's type, linking named schemas. */
function typeOf(schema: JsonSchema | undefined): string {
  if (schema === undefined) return 'any';
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const name = ref.split('/').at(-1) ?? ref;
    return `<a href="#${anchor(name)}">${escape(name)}</a>`;
  }
  const anyOf = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (Array.isArray(anyOf)) return anyOf.map(typeOf).join(' | ');
  if (Array.isArray(schema.enum))
    return schema.enum.map((v) => `<code>${escape(JSON.stringify(v))}</code>`).join(' | ');
  if (schema.const !== undefined) return `<code>${escape(JSON.stringify(schema.const))}</code>`;
  if (schema.type === 'array') return `${typeOf(schema.items as JsonSchema | undefined)}[]`;
  if (
    schema.type === 'object' &&
    schema.additionalProperties &&
    typeof schema.additionalProperties === 'object'
  ) {
    return `map of ${typeOf(schema.additionalProperties as JsonSchema)}`;
  }
  const format = typeof schema.format === 'string' ? ` (${escape(schema.format)})` : '';
  return `${escape(schema.type ?? 'any')}${format}`;
}

function limits(schema: JsonSchema): string {
  const parts: string[] = [];
  for (const key of [
    'minLength',
    'maxLength',
    'minimum',
    'maximum',
    'maxItems',
    'pattern',
    'default',
  ]) {
    if (schema[key] !== undefined) parts.push(`${key} ${escape(JSON.stringify(schema[key]))}`);
  }
  return parts.join(', ');
}

function propertiesTable(schema: JsonSchema): string {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  if (!properties) return `<p>${typeOf(schema)}</p>`;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries(properties).map(
    ([name, property]) =>
      `<tr><td><code>${escape(name)}</code>${required.has(name) ? ' <b>required</b>' : ''}</td><td>${typeOf(property)}</td><td>${escape(property.description ?? '')} <small>${limits(property)}</small></td></tr>`,
  );
  return `<table><tr><th>field</th><th>type</th><th>notes</th></tr>${rows.join('')}</table>`;
}

/**
 * A readable API reference, rendered on the server from the OpenAPI document: plain HTML
 * and CSS, no scripts and nothing fetched from elsewhere.
 */
export function referencePage(document: JsonSchema): string {
  const info = document.info as { title: string; version: string; description: string };
  const paths = document.paths as Record<string, Record<string, JsonSchema>>;
  const schemas = (document.components as { schemas: Record<string, JsonSchema> }).schemas;
  const byTag = new Map<string, string[]>();
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const tag = (op.tags as string[] | undefined)?.[0] ?? 'Other';
      const params = (op.parameters as JsonSchema[] | undefined) ?? [];
      const paramRows = params.map(
        (p) =>
          `<tr><td><code>${escape(p.name)}</code> <small>${escape(p.in)}</small>${p.required === true ? ' <b>required</b>' : ''}</td><td>${typeOf(p.schema as JsonSchema)}</td><td>${escape(p.description ?? '')} <small>${limits((p.schema as JsonSchema | undefined) ?? {})}</small></td></tr>`,
      );
      const body = (
        op.requestBody as { content: Record<string, { schema: JsonSchema }> } | undefined
      )?.content['application/json']?.schema;
      const responses = Object.entries(op.responses as Record<string, JsonSchema>).map(
        ([status, response]) => {
          const schema = (response.content as Record<string, { schema: JsonSchema }> | undefined)?.[
            'application/json'
          ]?.schema;
          return `<li><b>${escape(status)}</b> ${escape(response.description)}${schema ? ` — ${typeOf(schema)}` : ''}</li>`;
        },
      );
      const security =
        (op.security as Record<string, unknown>[] | undefined)?.map((s) => Object.keys(s)[0]) ?? [];
      const section = `<section class="op" id="${escape(op.operationId)}">
<h3><span class="method ${escape(method)}">${escape(method.toUpperCase())}</span> <code>${escape(path)}</code></h3>
<p>${escape(op.summary)}${op.description ? ` ${escape(op.description)}` : ''}</p>
<p><small>operationId <code>${escape(op.operationId)}</code> · ${security.length ? `auth: ${escape(security.join(', '))}` : 'no auth'}</small></p>
${paramRows.length ? `<h4>Parameters</h4><table><tr><th>name</th><th>type</th><th>notes</th></tr>${paramRows.join('')}</table>` : ''}
${body ? `<h4>Body</h4>${body.$ref ? `<p>${typeOf(body)}</p>` : propertiesTable(body)}` : ''}
<h4>Responses</h4><ul>${responses.join('')}</ul>
</section>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), section]);
    }
  }
  const toc = [...byTag.keys()]
    .map((tag) => `<li><a href="#tag-${anchor(tag)}">${escape(tag)}</a></li>`)
    .join('');
  const sections = [...byTag.entries()]
    .map(([tag, ops]) => `<h2 id="tag-${anchor(tag)}">${escape(tag)}</h2>${ops.join('')}`)
    .join('');
  const models = Object.entries(schemas)
    .map(
      ([name, schema]) =>
        `<section class="op" id="${anchor(name)}"><h3>${escape(name)}</h3>${propertiesTable(schema)}</section>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(info.title)} reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2330}main{max-width:980px;margin:0 auto;padding:24px}
code{font:13px ui-monospace,monospace;background:#f2f4f8;padding:1px 4px;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:6px 0}td,th{border-bottom:1px solid #e3e6ed;padding:4px 8px;text-align:left;vertical-align:top}
.op{border:1px solid #e3e6ed;border-radius:6px;padding:8px 16px;margin:12px 0}.method{font-weight:700;padding:2px 6px;border-radius:4px;color:#fff;background:#5a6577}
.get{background:#2f7d4f}.post{background:#2b5fb4}.put{background:#8a5a00}.patch{background:#7a3fa0}.delete{background:#b0323a}
small{color:#5a6577}h2{margin-top:36px;border-bottom:2px solid #1d2330}
</style></head><body><main>
<h1>${escape(info.title)} <small>${escape(info.version)}</small></h1>
<p>${escape(info.description)}</p>
<p>Authenticate with <code>Authorization: Bearer &lt;key&gt;</code>. Errors are JSON <code>{code, detail}</code>; 422 details list <code>{loc, msg, type}</code>. The machine-readable document is at <a href="/api/v1/openapi.json"><code>/api/v1/openapi.json</code></a>.</p>
<ul>${toc}<li><a href="#models">Models</a></li></ul>
${sections}
<h2 id="models">Models</h2>${models}
</main></body></html>`;
}
