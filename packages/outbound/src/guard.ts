import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { addressPolicy, type AddressPolicy } from './address-policy.ts';
import { parseAddress } from './cidr.ts';

/** Resolves a host name to its addresses (injectable: tests map names without real DNS). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) =>
  dnsLookup(hostname, { all: true, order: 'verbatim' });

export interface GuardOptions {
  /** Networks allowed although they are blocked by default (`127.0.0.0/8`...). */
  allowedNetworks?: readonly string[];
  /** Refuse plain http URLs. @defaultValue false */
  httpsOnly?: boolean;
  /** @defaultValue the system resolver */
  resolve?: Resolver;
}

export type UrlVerdict =
  { ok: true } | { ok: false; code: 'blocked_address' | 'insecure_url'; detail: string };

/** Thrown into a connection attempt when the host resolves only to blocked addresses. */
export class BlockedAddressError extends Error {
  readonly code = 'EHOOKRAILBLOCKED';
  constructor(detail: string) {
    super(detail);
    this.name = 'BlockedAddressError';
  }
}

export interface OutboundGuard {
  readonly policy: AddressPolicy;
  /**
   * What can be decided from the URL alone: its scheme, and its host when that is an address
   * literal (which no lookup will see). Host names are judged when they are resolved.
   */
  checkUrl(url: string): UrlVerdict;
  /**
   * A `lookup` for net/tls connections: resolves once, keeps only allowed addresses, and hands
   * back exactly the address that was checked, so no second lookup (DNS rebinding) can change
   * where the connection goes.
   */
  lookup: LookupFunction;
}

const hint = 'HOOKRAIL_ALLOWED_NETWORKS can allow it';

export function outboundGuard(options: GuardOptions = {}): OutboundGuard {
  const policy = addressPolicy(options.allowedNetworks ?? []);
  const resolve = options.resolve ?? systemResolver;

  const checkUrl = (text: string): UrlVerdict => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { ok: false, code: 'blocked_address', detail: 'the URL cannot be parsed' };
    }
    if (options.httpsOnly === true && url.protocol !== 'https:') {
      return {
        ok: false,
        code: 'insecure_url',
        detail: 'only https URLs are allowed (HOOKRAIL_HTTPS_ONLY)',
      };
    }
    if (parseAddress(url.hostname) === undefined) return { ok: true };
    const verdict = policy.check(url.hostname);
    return verdict.allowed
      ? { ok: true }
      : {
          ok: false,
          code: 'blocked_address',
          detail: `${url.hostname} is in ${verdict.range}; ${hint}`,
        };
  };

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const allowed = addresses.filter((a) => policy.check(a.address).allowed);
        if (allowed.length === 0) {
          const first = addresses[0];
          const verdict = first === undefined ? undefined : policy.check(first.address);
          const where =
            verdict && !verdict.allowed ? ` (${first?.address} is in ${verdict.range})` : '';
          callback(
            new BlockedAddressError(
              `${hostname} resolves only to blocked addresses${where}; ${hint}`,
            ),
            '',
            0,
          );
          return;
        }
        const wanted =
          lookupOptions.family === 4 || lookupOptions.family === 6
            ? lookupOptions.family
            : undefined;
        const usable = wanted === undefined ? allowed : allowed.filter((a) => a.family === wanted);
        const list = usable.length > 0 ? usable : allowed;
        if (lookupOptions.all === true) {
          callback(null, list);
        } else {
          const [first] = list;
          if (first) callback(null, first.address, first.family);
        }
      },
      (error: unknown) =>
        callback(error instanceof Error ? error : new Error(String(error)), '', 0),
    );
  };

  return { policy, checkUrl, lookup };
}
