import { findEndpoint, replaceEndpointHeaders, type Db, type EndpointRow } from '@hookrail/db';
import { openCredentials, sealCredentials } from '@hookrail/delivery';
import type { Id } from '@hookrail/ids';
import type { Vault } from '@hookrail/secrets';
import { conflict, notFound } from './http/api-error.ts';
import { headerBoundProblem, limitExceeded } from './limits.ts';

/**
 * Custom headers as they are stored: values of credential-like headers (authorization,
 * cookies, tokens, keys; see isCredentialHeader) sealed by the vault like signing secrets, so
 * that a copy of the database does not hold them. The worker opens them when it sends.
 */
export function sealHeaders(
  vault: Vault,
  headers: Readonly<Record<string, string>>,
): Record<string, string> {
  return sealCredentials(headers, (value) => vault.seal(value));
}

/** A write that lost its compare-and-set this many times in a row answers 409. */
const patchTries = 5;

/**
 * Sets some headers and removes others. The bounds apply to the merged result (in plain text),
 * so the merge happens here and is written with a compare-and-set against what was read: two
 * patches at once cannot together exceed a bound, nor lose each other's change.
 */
export async function patchHeaders(
  deps: { db: Db; vault: Vault },
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  endpoint: EndpointRow,
  change: { set: Record<string, string>; remove: readonly string[] },
): Promise<void> {
  let current = endpoint.headers;
  for (let tries = 0; tries < patchTries; tries++) {
    const next: Record<string, string> = {};
    for (const [name, value] of Object.entries(current)) {
      if (!change.remove.includes(name) && !(name in change.set)) next[name] = value;
    }
    const plain = {
      ...openCredentials(next, (value) => deps.vault.openText(value)),
      ...change.set,
    };
    const bound = headerBoundProblem(plain);
    if (bound !== undefined) throw limitExceeded(['body', 'headers'], bound.message, bound.code);
    const stored = { ...next, ...sealHeaders(deps.vault, change.set) };
    if (await replaceEndpointHeaders(deps.db, scope, endpoint.id, stored, current)) return;
    const reread = await findEndpoint(deps.db, scope, endpoint.id);
    if (reread === undefined) throw notFound('endpoint');
    current = reread.headers;
  }
  throw conflict("The endpoint's headers kept changing during this request; send it again.");
}
