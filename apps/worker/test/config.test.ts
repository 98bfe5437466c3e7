import { ConfigError } from '@hookrail/config';
import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '../src/config.ts';

describe('worker configuration', () => {
  it('has durable defaults for claims and reconciling', () => {
    const config = loadWorkerConfig({});
    expect(config.leaseMarginMs).toBe(30_000);
    expect(config.reconcileIntervalMs).toBe(5000);
    expect(config.requestTimeoutMs).toBe(15_000);
  });

  it('refuses a lease margin under a second: claims would expire as their requests do', () => {
    for (const value of ['0', '0.5']) {
      expect(() => loadWorkerConfig({ HOOKRAIL_LEASE_MARGIN: value })).toThrow(ConfigError);
      expect(() => loadWorkerConfig({ HOOKRAIL_LEASE_MARGIN: value })).toThrow(
        /HOOKRAIL_LEASE_MARGIN/,
      );
    }
    expect(loadWorkerConfig({ HOOKRAIL_LEASE_MARGIN: '1' }).leaseMarginMs).toBe(1000);
  });

  it('keeps payloads 30 days and the log 90, and refuses a log shorter than the payloads', () => {
    expect(loadWorkerConfig({}).retention).toEqual({ payloadDays: 30, logDays: 90 });
    const env = { HOOKRAIL_RETENTION_DAYS: '60', HOOKRAIL_LOG_RETENTION_DAYS: '45' };
    expect(() => loadWorkerConfig(env)).toThrow(ConfigError);
    expect(() => loadWorkerConfig(env)).toThrow(/HOOKRAIL_LOG_RETENTION_DAYS/);
    expect(() => loadWorkerConfig({ HOOKRAIL_RETENTION_DAYS: '120' })).toThrow(
      /HOOKRAIL_LOG_RETENTION_DAYS: must be at least HOOKRAIL_RETENTION_DAYS/,
    );
    expect(loadWorkerConfig({ HOOKRAIL_RETENTION_DAYS: '7' }).retention.payloadDays).toBe(7);
  });

  it('purges deleted tenants and applications 500 messages a batch unless told otherwise, at most 10000', () => {
    expect(loadWorkerConfig({}).deletionBatch).toBe(500);
    expect(loadWorkerConfig({ HOOKRAIL_DELETION_BATCH: '50' }).deletionBatch).toBe(50);
    expect(() => loadWorkerConfig({ HOOKRAIL_DELETION_BATCH: '0' })).toThrow(
      /HOOKRAIL_DELETION_BATCH/,
    );
    // Each message of a batch takes its deliveries and attempts along: one statement stays short.
    expect(loadWorkerConfig({ HOOKRAIL_DELETION_BATCH: '10000' }).deletionBatch).toBe(10_000);
    expect(() => loadWorkerConfig({ HOOKRAIL_DELETION_BATCH: '10001' })).toThrow(
      /HOOKRAIL_DELETION_BATCH/,
    );
  });
});
