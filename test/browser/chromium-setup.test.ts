import { describe, expect, it } from 'vitest';
import { chromiumPath, chromiumStep, installCommand } from '../support/browser.ts';

describe('the browser tests’ Chromium on a fresh machine', () => {
  it('is used as it is where it is installed', () => {
    expect(chromiumStep({ installed: true, root: false, apt: false })).toBe('ready');
  });

  it('is installed from Debian’s package by root with apt-get', () => {
    expect(chromiumStep({ installed: false, root: true, apt: true })).toBe('install');
  });

  it('otherwise fails with the one command to run', () => {
    for (const machine of [
      { installed: false, root: false, apt: true },
      { installed: false, root: true, apt: false },
    ]) {
      const step = chromiumStep(machine);
      const fail = typeof step === 'object' ? step.fail : '';
      expect(fail).toContain(chromiumPath);
      expect(fail.endsWith(`Install it with: ${installCommand}`)).toBe(true);
    }
    expect(installCommand).toBe("sudo sh -c 'apt-get update && apt-get install -y chromium'");
  });
});
