import { currentSecret, rotateSecret, type SecretMaterial } from '@hookrail/db';
import type { Id } from '@hookrail/ids';
import type { Vault } from '@hookrail/secrets';
import {
  formatSecret,
  generateAsymmetricKey,
  generateSecret,
  parseSecret,
  publicKeyOf,
  type SigningKey,
} from '@hookrail/signing';
import { notFound } from '../../http/api-error.ts';
import { pathParam, type RouteTable } from '../../http/routes.ts';
import { endpointSecretOut, secretRotateIn } from '../../schemas/endpoints.ts';
import type { RouteDeps } from '../deps.ts';
import { requireEndpoint } from '../lookups.ts';

const defaultGraceMs = 24 * 60 * 60 * 1000;

/** A new secret, sealed for storage: the caller's, or freshly generated of `kind`. */
export function secretMaterial(
  vault: Vault,
  given: SigningKey | null | undefined,
  kind: 'hmac' | 'ed25519' = 'hmac',
): SecretMaterial {
  const secret = given ?? generateSigningKey(kind);
  return { kind: secret.kind, key: vault.seal(secret.key) };
}

function generateSigningKey(kind: 'hmac' | 'ed25519'): SigningKey {
  if (kind === 'ed25519') return { kind, key: generateAsymmetricKey() };
  const key = parseSecret(generateSecret());
  if (key === undefined) throw new Error('a generated secret failed to parse');
  return { kind, key };
}

/**
 * Rotates to the given key, or to a new one of the same kind as the current secret; the old
 * one keeps signing for the grace period (default 24 hours).
 */
export async function rotate(
  deps: Pick<RouteDeps, 'db' | 'vault'>,
  scope: { tenantId: Id<'tenant'>; endpointId: Id<'endpoint'> },
  body: { key?: SigningKey | null | undefined; gracePeriodSeconds?: number | null | undefined },
): Promise<void> {
  const kind =
    body.key?.kind ?? (await currentSecret(deps.db, scope.tenantId, scope.endpointId))?.kind;
  const graceMs = body.gracePeriodSeconds == null ? defaultGraceMs : body.gracePeriodSeconds * 1000;
  await rotateSecret(deps.db, scope, secretMaterial(deps.vault, body.key, kind), graceMs);
}

/**
 * What the API shows of a secret: an HMAC secret itself (`whsec_`), or for an ed25519 key only
 * its public half (`whpk_`): the private key never leaves Hookrail.
 */
export function shownSecret(vault: Vault, secret: SecretMaterial): string {
  const key = vault.open(secret.key);
  return secret.kind === 'ed25519' ? publicKeyOf(key) : formatSecret(key);
}

/** /api/v1/app/{app_id}/endpoint/{endpoint_id}/secret: the key that signs its deliveries. */
export function endpointSecretRoutes(routes: RouteTable, deps: RouteDeps, tag: string): void {
  const { db } = deps;

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint/:endpoint_id/secret',
      operationId: 'v1.endpoint.get-secret',
      summary: "Get the endpoint's current signing secret",
      tag,
      access: 'app',
      loadApp: true,
      capability: 'ViewEndpointSecret',
      responses: { 200: endpointSecretOut },
    },
    async ({ req, res, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const secret = await currentSecret(db, app.tenantId, endpoint.id);
      if (secret === undefined) throw notFound('endpoint');
      res.json({ key: shownSecret(deps.vault, secret) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/endpoint/:endpoint_id/secret/rotate',
      operationId: 'v1.endpoint.rotate-secret',
      summary: 'Make a new secret current; the old one keeps signing for a grace period',
      tag,
      access: 'app',
      loadApp: true,
      capability: 'ManageEndpointSecret',
      body: secretRotateIn,
      responses: { 204: null },
    },
    async ({ req, res, body, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      await rotate(deps, { tenantId: app.tenantId, endpointId: endpoint.id }, body);
      res.status(204).end();
    },
  );
}
