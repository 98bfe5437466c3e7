import { contains, parseAddress, parseNetwork, type Network } from './cidr.ts';

/** Ranges webhooks may never reach unless an operator allows them, with what each is. */
export const blockedRanges: readonly { cidr: string; name: string }[] = [
  { cidr: '0.0.0.0/8', name: 'this network / unspecified' },
  { cidr: '10.0.0.0/8', name: 'private' },
  { cidr: '100.64.0.0/10', name: 'carrier-grade NAT' },
  { cidr: '127.0.0.0/8', name: 'loopback' },
  { cidr: '169.254.0.0/16', name: 'link-local (cloud metadata)' },
  { cidr: '172.16.0.0/12', name: 'private' },
  { cidr: '192.0.0.0/24', name: 'IETF protocol assignments' },
  { cidr: '192.0.2.0/24', name: 'documentation' },
  { cidr: '192.88.99.0/24', name: '6to4 relay anycast' },
  { cidr: '192.168.0.0/16', name: 'private' },
  { cidr: '198.18.0.0/15', name: 'benchmarking' },
  { cidr: '198.51.100.0/24', name: 'documentation' },
  { cidr: '203.0.113.0/24', name: 'documentation' },
  { cidr: '224.0.0.0/4', name: 'multicast' },
  { cidr: '255.255.255.255/32', name: 'broadcast' },
  { cidr: '240.0.0.0/4', name: 'reserved' },
  { cidr: '::/128', name: 'unspecified' },
  { cidr: '::1/128', name: 'loopback' },
  { cidr: '::/96', name: 'IPv4-compatible (deprecated)' },
  { cidr: '64:ff9b:1::/48', name: 'local-use NAT64' },
  { cidr: '100::/64', name: 'discard-only' },
  { cidr: '2001::/23', name: 'IETF protocol assignments (Teredo and others)' },
  { cidr: '2001:db8::/32', name: 'documentation' },
  { cidr: 'fc00::/7', name: 'unique local' },
  { cidr: 'fe80::/10', name: 'link-local' },
  { cidr: 'fec0::/10', name: 'site-local' },
  { cidr: 'ff00::/8', name: 'multicast' },
];

// The literals above are valid networks: parseNetwork cannot return undefined for them.
const blocked = blockedRanges.map((range) => ({
  ...range,
  network: parseNetwork(range.cidr) as Network,
}));

/** IPv6 forms that carry an IPv4 address, which is what they actually reach. */
const embedded: { network: Network; extract: (value: bigint) => bigint }[] = [
  // IPv4-mapped ::ffff:a.b.c.d
  { network: parseNetwork('::ffff:0:0/96') as Network, extract: (v) => v & 0xffffffffn },
  // IPv4-translated ::ffff:0:a.b.c.d (RFC 2765 SIIT): a translator sends it on to a.b.c.d
  { network: parseNetwork('::ffff:0:0:0/96') as Network, extract: (v) => v & 0xffffffffn },
  // NAT64, well-known prefix
  { network: parseNetwork('64:ff9b::/96') as Network, extract: (v) => v & 0xffffffffn },
  // 6to4: 2002:AABB:CCDD::/48 reaches AA.BB.CC.DD
  { network: parseNetwork('2002::/16') as Network, extract: (v) => (v >> 80n) & 0xffffffffn },
];

export type AddressVerdict =
  | { allowed: true }
  /** `range` names what the address is (`127.0.0.0/8 loopback`). */
  | { allowed: false; range: string };

export interface AddressPolicy {
  /** The verdict on an address literal (IPv4, IPv6, bracketed or not). */
  check(address: string): AddressVerdict;
}

/**
 * Which addresses webhooks may reach: any public address, and blocked ones only inside the
 * operator's `allowed` networks. IPv6 forms that embed an IPv4 address (mapped, translated,
 * NAT64, 6to4) are judged by that IPv4 address; an address that does not parse is refused.
 */
export function addressPolicy(allowed: readonly string[] = []): AddressPolicy {
  const allowedNetworks = allowed.map((cidr) => {
    const network = parseNetwork(cidr);
    if (network === undefined) throw new Error(`not a network: ${cidr}`);
    return network;
  });
  const judge = (address: { family: 4 | 6; value: bigint }): AddressVerdict => {
    if (allowedNetworks.some((network) => contains(network, address))) return { allowed: true };
    if (address.family === 6) {
      const carrier = embedded.find((form) => contains(form.network, address));
      if (carrier) return judge({ family: 4, value: carrier.extract(address.value) });
    }
    const hit = blocked.find((range) => contains(range.network, address));
    return hit === undefined
      ? { allowed: true }
      : { allowed: false, range: `${hit.cidr} ${hit.name}` };
  };
  return {
    check(address) {
      const parsed = parseAddress(address);
      return parsed === undefined ? { allowed: false, range: 'not an IP address' } : judge(parsed);
    },
  };
}

export { parseNetwork };
