import { parseSecret } from '@hookrail/signing';
import { describe, expect, it } from 'vitest';
import {
  isCredentialHeader,
  openCredentials,
  redactHeaders,
  sealCredentials,
  webhookHeaders,
} from '../src/index.ts';

const key = parseSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');

describe('webhook headers', () => {
  it('carry the id, timestamp and signature of the exact body, after the custom headers', () => {
    if (key === undefined) throw new Error('test secret must parse');
    const headers = webhookHeaders({
      messageId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      keys: [{ kind: 'hmac', key }],
      customHeaders: { 'x-tenant': 'acme' },
    });
    expect(headers).toEqual({
      'x-tenant': 'acme',
      'content-type': 'application/json',
      'user-agent': expect.stringMatching(/^Hookrail/),
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('are redacted where they look like credentials, keeping the signature', () => {
    expect(
      redactHeaders({
        Authorization: 'Bearer abc',
        'X-Api-Key': 'k',
        'x-session-token': 't',
        'webhook-signature': 'v1,abc',
        'x-tenant': 'acme',
      }),
    ).toEqual({
      Authorization: '[redacted]',
      'X-Api-Key': '[redacted]',
      'x-session-token': '[redacted]',
      'webhook-signature': 'v1,abc',
      'x-tenant': 'acme',
    });
  });

  it('count as credentials by name: authorization, cookies, tokens, keys, secrets', () => {
    for (const name of [
      'Authorization',
      'proxy-authorization-x',
      'X-Auth',
      'Cookie',
      'Set-Cookie',
      'X-Access-Token',
      'x-signing-key',
      'X_Partner_Key',
      'X-API-Key',
      'apikey',
      'X-Client-Secret',
      'X-Password',
      'X-Session',
      'X-Credentials',
    ]) {
      expect({ name, credential: isCredentialHeader(name) }).toEqual({ name, credential: true });
    }
    for (const name of [
      'X-Tenant',
      'X-Request-Source',
      'Accept-Language',
      'X-Keyboard',
      'Monkey',
      'webhook-signature',
    ]) {
      expect({ name, credential: isCredentialHeader(name) }).toEqual({ name, credential: false });
    }
  });

  it('seal and open only the values of credential-like headers', () => {
    const stored = sealCredentials(
      { Authorization: 'Bearer abc', 'x-tenant': 'acme' },
      (value) => `sealed(${value})`,
    );
    expect(stored).toEqual({ Authorization: 'sealed(Bearer abc)', 'x-tenant': 'acme' });
    expect(openCredentials(stored, (value) => value.slice(7, -1))).toEqual({
      Authorization: 'Bearer abc',
      'x-tenant': 'acme',
    });
  });
});
