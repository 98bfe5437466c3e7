import { describe, expect, it } from 'vitest';
import { BlockedAddressError, addressPolicy, blockedRanges, outboundGuard } from '../src/index.ts';

const policy = addressPolicy();

// For every blocked range: its first address, one inside it and its last address.
const samples: [cidr: string, addresses: string[]][] = [
  ['0.0.0.0/8', ['0.0.0.0', '0.1.2.3', '0.255.255.255']],
  ['10.0.0.0/8', ['10.0.0.0', '10.20.30.40', '10.255.255.255']],
  ['100.64.0.0/10', ['100.64.0.0', '100.100.100.100', '100.127.255.255']],
  ['127.0.0.0/8', ['127.0.0.0', '127.0.0.1', '127.255.255.255']],
  ['169.254.0.0/16', ['169.254.0.0', '169.254.169.254', '169.254.255.255']],
  ['172.16.0.0/12', ['172.16.0.0', '172.20.1.1', '172.31.255.255']],
  ['192.0.0.0/24', ['192.0.0.0', '192.0.0.170', '192.0.0.255']],
  ['192.0.2.0/24', ['192.0.2.0', '192.0.2.1', '192.0.2.255']],
  ['192.88.99.0/24', ['192.88.99.0', '192.88.99.1', '192.88.99.255']],
  ['192.168.0.0/16', ['192.168.0.0', '192.168.1.1', '192.168.255.255']],
  ['198.18.0.0/15', ['198.18.0.0', '198.18.100.1', '198.19.255.255']],
  ['198.51.100.0/24', ['198.51.100.0', '198.51.100.7', '198.51.100.255']],
  ['203.0.113.0/24', ['203.0.113.0', '203.0.113.9', '203.0.113.255']],
  ['224.0.0.0/4', ['224.0.0.0', '239.1.2.3', '239.255.255.255']],
  ['240.0.0.0/4', ['240.0.0.0', '250.1.2.3', '255.255.255.254']],
  ['255.255.255.255/32', ['255.255.255.255']],
  ['::/128', ['::']],
  ['::1/128', ['::1', '0:0:0:0:0:0:0:1']],
  ['::/96', ['::2', '::a.b'.replace('a.b', '8.8.8.8')]],
  ['64:ff9b:1::/48', ['64:ff9b:1::', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff']],
  ['100::/64', ['100::', '100::ffff:ffff:ffff:ffff']],
  ['2001::/23', ['2001::', '2001:0:4136:e378::1', '2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['2001:db8::/32', ['2001:db8::', '2001:db8:abcd::1', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['fc00::/7', ['fc00::', 'fd12:3456::1', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['fe80::/10', ['fe80::', 'fe80::1', 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['fec0::/10', ['fec0::', 'fec0::1', 'feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
  ['ff00::/8', ['ff00::', 'ff02::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff']],
];

describe('the address policy', () => {
  it('covers every blocked range in these tests', () => {
    expect(samples.map(([cidr]) => cidr).sort()).toEqual(blockedRanges.map((r) => r.cidr).sort());
  });

  it.each(samples)('refuses %s from its first to its last address', (cidr, addresses) => {
    for (const address of addresses) {
      const verdict = policy.check(address);
      expect({ address, verdict }).toEqual({
        address,
        verdict: { allowed: false, range: expect.stringContaining(cidr) },
      });
    }
  });

  it('allows public addresses, including the neighbours of blocked ranges', () => {
    for (const address of [
      '8.8.8.8',
      '1.1.1.1',
      '9.255.255.255',
      '11.0.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '126.255.255.255',
      '128.0.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '192.167.255.255',
      '192.169.0.0',
      '223.255.255.255',
      '2606:4700:4700::1111',
      '2a00:1450:4001::1',
    ]) {
      expect({ address, verdict: policy.check(address) }).toEqual({
        address,
        verdict: { allowed: true },
      });
    }
  });

  it('judges IPv6 forms that carry an IPv4 address by that address', () => {
    expect(policy.check('::ffff:127.0.0.2')).toMatchObject({
      allowed: false,
      range: expect.stringContaining('127.0.0.0/8'),
    });
    expect(policy.check('[::ffff:7f00:2]')).toMatchObject({ allowed: false });
    expect(policy.check('::ffff:169.254.169.254')).toMatchObject({ allowed: false });
    expect(policy.check('64:ff9b::10.0.0.1')).toMatchObject({
      allowed: false,
      range: expect.stringContaining('10.0.0.0/8'),
    });
    expect(policy.check('2002:c0a8:0101::1')).toMatchObject({
      allowed: false,
      range: expect.stringContaining('192.168.0.0/16'),
    });
    expect(policy.check('::ffff:8.8.8.8')).toEqual({ allowed: true });
    expect(policy.check('::ffff:0:8.8.8.8')).toEqual({ allowed: true });
    expect(policy.check('64:ff9b::8.8.8.8')).toEqual({ allowed: true });
    expect(policy.check('2002:0808:0808::1')).toEqual({ allowed: true });
  });

  it('judges IPv4-translated addresses (::ffff:0:0:0/96) by the IPv4 address inside', () => {
    for (const [address, cidr] of [
      ['::ffff:0:127.0.0.1', '127.0.0.0/8'],
      ['::ffff:0:7f00:1', '127.0.0.0/8'],
      ['0:0:0:0:ffff:0:a00:1', '10.0.0.0/8'],
      ['[::ffff:0:169.254.169.254]', '169.254.0.0/16'],
      ['::ffff:0:0:0', '0.0.0.0/8'],
      ['::ffff:0:ffff:ffff', '255.255.255.255/32'],
    ] as const) {
      expect({ address, verdict: policy.check(address) }).toEqual({
        address,
        verdict: { allowed: false, range: expect.stringContaining(cidr) },
      });
    }
    expect(policy.check('::ffff:0:1.1.1.1')).toEqual({ allowed: true });
    expect(addressPolicy(['127.0.0.0/8']).check('::ffff:0:127.0.0.9')).toEqual({ allowed: true });
  });

  it('lets allowed networks through, and only those', () => {
    const loopbackAllowed = addressPolicy(['127.0.0.0/8', '::1/128']);
    expect(loopbackAllowed.check('127.0.0.1')).toEqual({ allowed: true });
    expect(loopbackAllowed.check('::ffff:127.0.0.5')).toEqual({ allowed: true });
    expect(loopbackAllowed.check('::1')).toEqual({ allowed: true });
    expect(loopbackAllowed.check('10.0.0.1')).toMatchObject({ allowed: false });
    const oneHost = addressPolicy(['127.0.0.1/32']);
    expect(oneHost.check('127.0.0.1')).toEqual({ allowed: true });
    expect(oneHost.check('127.0.0.2')).toMatchObject({ allowed: false });
    expect(() => addressPolicy(['not-a-network'])).toThrow();
  });

  it('refuses what is not an address', () => {
    expect(policy.check('localhost')).toMatchObject({ allowed: false });
    expect(policy.check('')).toMatchObject({ allowed: false });
  });
});

describe('the URL check', () => {
  const guard = outboundGuard({ allowedNetworks: ['127.0.0.1/32'], httpsOnly: false });

  it('judges literal hosts in every spelling the URL parser accepts', () => {
    for (const url of [
      'http://127.0.0.2/x',
      'http://0x7f.0.0.2/x',
      'http://2130706434/x',
      'http://017700000002/x',
      'http://[::ffff:127.0.0.2]/x',
      'http://[::ffff:7f00:2]:8080/x',
      'http://[::ffff:0:127.0.0.2]/x',
      'http://[0:0:0:0:ffff:0:a9fe:a9fe]/latest/meta-data',
      'http://169.254.169.254/latest/meta-data',
      'http://[fd00::1]/',
    ]) {
      expect({ url, verdict: guard.checkUrl(url) }).toEqual({
        url,
        verdict: expect.objectContaining({ ok: false, code: 'blocked_address' }),
      });
    }
    expect(guard.checkUrl('http://127.0.0.1:9000/hook')).toEqual({ ok: true });
    // Names are judged when they are resolved, not here.
    expect(guard.checkUrl('https://example.com/hook')).toEqual({ ok: true });
  });

  it('refuses plain http when https is required', () => {
    const strict = outboundGuard({ httpsOnly: true });
    expect(strict.checkUrl('http://example.com/')).toMatchObject({
      ok: false,
      code: 'insecure_url',
    });
    expect(strict.checkUrl('https://example.com/')).toEqual({ ok: true });
  });
});

describe('the connect-time lookup', () => {
  const names: Record<string, { address: string; family: number }[]> = {
    'translated.test': [{ address: '::ffff:0:10.1.2.3', family: 6 }],
    'mixed.test': [
      { address: '::ffff:0:127.0.0.1', family: 6 },
      { address: '93.184.216.34', family: 4 },
    ],
  };
  const guard = outboundGuard({
    resolve: (hostname) => Promise.resolve(names[hostname] ?? []),
  });
  const lookup = (hostname: string) =>
    new Promise<{ error: Error | null; address: unknown }>((resolve) => {
      guard.lookup(hostname, { all: true }, (error, address) => resolve({ error, address }));
    });

  it('refuses a name that resolves only to an IPv4-translated private address', async () => {
    const { error } = await lookup('translated.test');
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(error?.message).toContain('10.0.0.0/8');
  });

  it('drops IPv4-translated loopback from a name and connects to what is left', async () => {
    expect(await lookup('mixed.test')).toEqual({
      error: null,
      address: [{ address: '93.184.216.34', family: 4 }],
    });
  });
});
