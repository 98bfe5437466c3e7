import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type Locator,
  type Page,
} from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { repoRoot } from './process.ts';

/** Debian's Chromium: the one browser the tests drive, so nothing is downloaded at run time. */
export const chromiumPath = '/usr/bin/chromium';
const aptInstall = 'apt-get update && apt-get install -y chromium';
/** What a person without root runs: one command, sudo around both apt-get steps. */
export const installCommand = `sudo sh -c '${aptInstall}'`;

/** Flags that keep Chromium from making any connection of its own. */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Where screenshots are kept after a run (gitignored). */
export const screenshotDir = join(repoRoot, '.test-artifacts', 'screenshots');
/**
 * The copies shown in the docs (README), written too when HOOKRAIL_UPDATE_SCREENSHOTS=1
 * (`npm run screenshots`).
 */
export const docsScreenshotDir = join(repoRoot, 'docs', 'screenshots');

/** What to do about Chromium, from what this machine has. */
export type ChromiumStep = 'ready' | 'install' | { fail: string };

export function chromiumStep(machine: {
  installed: boolean;
  root: boolean;
  apt: boolean;
}): ChromiumStep {
  if (machine.installed) return 'ready';
  if (machine.root && machine.apt) return 'install';
  return {
    fail: `The browser tests need Debian's Chromium at ${chromiumPath}, and this process cannot install it${machine.apt ? ' (not root)' : ' (no apt-get)'}. Install it with: ${installCommand}`,
  };
}

/**
 * Installs Debian's chromium package when it is missing and this process may (root with
 * apt-get); otherwise fails naming the command to run. Test files run in parallel, so the
 * install holds a lock (flock) and the second file finds it done.
 */
export function ensureChromium(): void {
  const step = chromiumStep({
    installed: existsSync(chromiumPath),
    root: process.getuid?.() === 0,
    apt: spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0,
  });
  if (step === 'ready') return;
  if (step !== 'install') throw new Error(step.fail);
  const script = `test -x ${chromiumPath} || (${aptInstall})`;
  const result = spawnSync('flock', ['/tmp/hookrail-chromium-install.lock', 'sh', '-c', script], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
  });
  if (result.status !== 0 || !existsSync(chromiumPath)) {
    throw new Error(
      `Installing Chromium failed (${aptInstall}):\n${result.stdout}${result.stderr}`,
    );
  }
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies) and page, watched for console errors. */
  newPage(options?: {
    timezoneId?: string;
    locale?: string;
    viewport?: { width: number; height: number };
  }): Promise<Page>;
  /**
   * Saves a screenshot of the page as `.test-artifacts/screenshots/<name>.png` (and as
   * `docs/screenshots/<name>.png` when HOOKRAIL_UPDATE_SCREENSHOTS=1).
   */
  screenshot(page: Page, name: string): Promise<void>;
  /**
   * Lets this test's pages log the browser's error line for a request that fails on purpose:
   * a 4xx answer the test provokes, or a request it aborts itself (`page.route`), to a URL
   * containing `path`. Only for the current test; every other console error still fails it.
   */
  expectFailedRequest(path: string, outcome: number | 'aborted'): void;
}

type Failure = { path: string; outcome: number | 'aborted' };

/**
 * Chromium's console line for a failed request: "Failed to load resource: the server
 * responded with a status of 404 (Not Found)", or "…: net::ERR_FAILED" for an aborted one.
 */
const failedRequest =
  /^Failed to load resource: (?:the server responded with a status of (\d{3})|(net::ERR_FAILED))/;

/** True when the console error is a failed request the test said it provokes. */
function isExpected(message: ConsoleMessage, expected: Failure[]): boolean {
  const match = failedRequest.exec(message.text());
  if (match === null) return false;
  const outcome = match[2] === undefined ? Number(match[1]) : 'aborted';
  const url = message.location().url;
  return expected.some((e) => e.outcome === outcome && url.includes(e.path));
}

/**
 * A headless Chromium for the whole file. After each test, the pages it opened must have
 * logged no console error and thrown no uncaught exception, except the failed responses the
 * test declared with `expectFailedRequest`.
 */
export function useBrowser(): TestBrowser {
  const state = {} as TestBrowser; // filled in by beforeAll, before any test reads it
  const contexts: BrowserContext[] = [];
  let errors: string[] = [];
  let expected: Failure[] = [];
  beforeAll(async () => {
    ensureChromium();
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: chromiumArgs,
      headless: true,
    });
    state.browser = browser;
    state.newPage = async (options = {}) => {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 800 },
        ...options,
      });
      contexts.push(context);
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() !== 'error' || isExpected(message, expected)) return;
        errors.push(`console: ${message.text()} (${message.location().url})`);
      });
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
      return page;
    };
    state.screenshot = async (page, name) => {
      const dirs = [screenshotDir];
      if (process.env.HOOKRAIL_UPDATE_SCREENSHOTS === '1') dirs.push(docsScreenshotDir);
      for (const dir of dirs) {
        mkdirSync(dir, { recursive: true });
        await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
      }
    };
    state.expectFailedRequest = (path, outcome) => {
      if (outcome !== 'aborted' && (outcome < 400 || outcome > 499)) {
        throw new Error(`only a 4xx answer may be expected, not ${outcome}`);
      }
      expected.push({ path, outcome });
    };
  }, 600_000); // a first run may install Chromium
  afterEach(async () => {
    const seen = errors;
    errors = [];
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    expected = [];
    expect(seen, 'console errors in the browser').toEqual([]);
  });
  afterAll(async () => {
    await state.browser.close();
  });
  return state;
}

/** True when the element has the keyboard focus. */
export async function hasFocus(target: Locator): Promise<boolean> {
  // The DOM's types are not in the tests' compiler settings: the part of Element used, spelled out.
  return target.evaluate(
    (el: { ownerDocument: { activeElement: unknown } }) => el === el.ownerDocument.activeElement,
  );
}
