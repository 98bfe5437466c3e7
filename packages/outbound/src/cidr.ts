import { isIPv4, isIPv6 } from 'node:net';

/** An IP network: its family, first address (as a number) and prefix length. */
export interface Network {
  family: 4 | 6;
  base: bigint;
  bits: number;
  text: string;
}

function v4(address: string): bigint {
  return address.split('.').reduce((n, part) => (n << 8n) | BigInt(Number(part)), 0n);
}

/** 128-bit value of an IPv6 address (including forms with an embedded IPv4 tail). */
function v6(address: string): bigint {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1] !== undefined) {
    const n = v4(tail[1]);
    text = `${text.slice(0, -tail[1].length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, group) => (n << 16n) | BigInt(parseInt(group, 16)), 0n);
}

/** The numeric form of an address literal, or undefined if it is not one. */
export function parseAddress(address: string): { family: 4 | 6; value: bigint } | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (isIPv4(bare)) return { family: 4, value: v4(bare) };
  if (isIPv6(bare)) return { family: 6, value: v6(bare) };
  return undefined;
}

/** `10.0.0.0/8`, `fc00::/7`; a bare address is a single host. */
export function parseNetwork(text: string): Network | undefined {
  const [address = '', prefix] = text.trim().split('/');
  const parsed = parseAddress(address);
  if (parsed === undefined) return undefined;
  const width = parsed.family === 4 ? 32 : 128;
  const bits = prefix === undefined ? width : Number(prefix);
  if (
    !Number.isInteger(bits) ||
    bits < 0 ||
    bits > width ||
    (prefix !== undefined && !/^\d+$/.test(prefix))
  ) {
    return undefined;
  }
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { family: parsed.family, base: parsed.value & mask, bits, text: text.trim() };
}

export function contains(network: Network, address: { family: 4 | 6; value: bigint }): boolean {
  if (network.family !== address.family) return false;
  const width = network.family === 4 ? 32 : 128;
  const shift = BigInt(width - network.bits);
  return address.value >> shift === network.base >> shift;
}
