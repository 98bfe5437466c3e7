import { describe, expect, it } from 'vitest';
import {
  formatSecret,
  generateSecret,
  parseSecret,
  signatureHeader,
  signV1,
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
    expect(signatureHeader([a, b], input)).toBe(`${signV1(a, input)} ${signV1(b, input)}`);
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
