import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  formatAsymmetricSecret,
  formatSecret,
  generateAsymmetricKey,
  generateSecret,
  parseAsymmetricSecret,
  parseSecret,
  publicKeyOf,
  signatureHeader,
  signV1,
  signV1a,
} from '../src/index.ts';

// Published Standard Webhooks test vectors (also used by the Svix server's tests).
const vectors = [
  {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    body: '{"test": 2432232314}',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  },
  {
    secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
    id: 'msg_27UH4WbU6Z5A5EzD8u03UvzRbpk',
    timestamp: 1649367553,
    body: '{"email":"test@example.com","username":"test_user"}',
    signature: 'v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=',
  },
];

describe('Standard Webhooks v1 signing', () => {
  it.each(vectors)('reproduces the published signature for $id', (vector) => {
    const key = parseSecret(vector.secret);
    expect(key).toBeDefined();
    if (key === undefined) return;
    expect(signV1(key, vector)).toBe(vector.signature);
    expect(signV1(key, { ...vector, body: Buffer.from(vector.body) })).toBe(vector.signature);
  });

  it('signs once per live secret, space separated', () => {
    const [a, b] = vectors.map((v) => parseSecret(v.secret));
    if (a === undefined || b === undefined) throw new Error('vector secrets must parse');
    const input = vectors[0] ?? { id: '', timestamp: 0, body: '' };
    expect(
      signatureHeader(
        [
          { kind: 'hmac', key: a },
          { kind: 'hmac', key: b },
        ],
        input,
      ),
    ).toBe(`${signV1(a, input)} ${signV1(b, input)}`);
  });
});

// The published Standard Webhooks ed25519 vector.
const asymmetric = {
  secretKey:
    'whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==',
  publicKey: 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature:
    'v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==',
};

describe('Standard Webhooks v1a (ed25519) signing', () => {
  it('reproduces the published signature and public key exactly', () => {
    const key = parseAsymmetricSecret(asymmetric.secretKey);
    if (key === undefined) throw new Error('the vector secret must parse');
    expect(signV1a(key, asymmetric)).toBe(asymmetric.signature);
    expect(publicKeyOf(key)).toBe(asymmetric.publicKey);
    expect(signatureHeader([{ kind: 'ed25519', key }], asymmetric)).toBe(asymmetric.signature);
  });

  it('generates keys whose signatures verify with their public key', () => {
    const key = generateAsymmetricKey();
    expect(key).toHaveLength(64);
    const signature = Buffer.from(signV1a(key, asymmetric).slice(4), 'base64');
    const publicKey = createPublicKey({
      format: 'jwk',
      key: { kty: 'OKP', crv: 'Ed25519', x: key.subarray(32).toString('base64url') },
    });
    const content = Buffer.from(`${asymmetric.id}.${asymmetric.timestamp}.${asymmetric.body}`);
    expect(verify(null, content, publicKey, signature)).toBe(true);
    expect(parseAsymmetricSecret(formatAsymmetricSecret(key))).toEqual(key);
    expect(parseAsymmetricSecret('whsk_c2hvcnQ=')).toBeUndefined();
  });
});

describe('secrets', () => {
  it('are generated as whsec_ and 24 random bytes, and read back', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const key = parseSecret(secret);
    expect(key?.length).toBe(24);
    expect(key && formatSecret(key)).toBe(secret);
    expect(generateSecret()).not.toBe(secret);
  });

  it('are accepted with or without the prefix and refused when short or malformed', () => {
    expect(parseSecret('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')?.length).toBe(24);
    expect(parseSecret('whsec_short')).toBeUndefined();
    expect(parseSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa$w')).toBeUndefined();
    expect(parseSecret(`whsec_${'A'.repeat(101)}`)).toBeUndefined();
  });
});
