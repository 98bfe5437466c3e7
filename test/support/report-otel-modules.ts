// Loaded with `--import` into a Hookrail process under test: on exit, prints one line naming
// every @opentelemetry package the process loaded, so a test can tell whether the SDK was.
import { writeSync } from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    const match = /\/node_modules\/(@opentelemetry\/[^/]+)\//.exec(resolved.url);
    if (match?.[1] !== undefined) loaded.add(match[1]);
    return resolved;
  },
});
process.on('exit', () => {
  writeSync(2, `opentelemetry packages loaded: ${JSON.stringify([...loaded].sort())}\n`);
});
