import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { repoRoot } from './process.ts';

/** Debian's Chromium: the one browser the tests drive, so nothing is downloaded at run time. */
export const chromiumPath = '/usr/bin/chromium';
const installCommand = 'apt-get update && apt-get install -y chromium';

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
 * Installs Debian's chromium package when it is missing and this process may (root with
 * apt-get); otherwise fails naming the command to run. Test files run in parallel, so the
 * install holds a lock (flock) and the second file finds it done.
 */
export function ensureChromium(): void {
  if (existsSync(chromiumPath)) return;
  const root = process.getuid?.() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!root || !hasApt) {
    throw new Error(
      `The browser tests need Debian's Chromium at ${chromiumPath}. Install it with: sudo ${installCommand}`,
    );
  }
  const script = `test -x ${chromiumPath} || (${installCommand})`;
  const result = spawnSync('flock', ['/tmp/hookrail-chromium-install.lock', 'sh', '-c', script], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
  });
  if (result.status !== 0 || !existsSync(chromiumPath)) {
    throw new Error(
      `Installing Chromium failed (${installCommand}):\n${result.stdout}${result.stderr}`,
    );
  }
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh context (its own cookies) and page, watched for console errors. */
  newPage(options?: { timezoneId?: string; locale?: string }): Promise<Page>;
  /** Saves a screenshot of the page as `.test-artifacts/screenshots/<name>.png`. */
  screenshot(page: Page, name: string): Promise<void>;
}

/**
 * A headless Chromium for the whole file. After each test, the pages it opened must have
 * logged no console error and thrown no uncaught exception.
 */
export function useBrowser(): TestBrowser {
  const state = {} as TestBrowser; // filled in by beforeAll, before any test reads it
  const contexts: BrowserContext[] = [];
  let errors: string[] = [];
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
        if (message.type() === 'error') errors.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
      return page;
    };
    state.screenshot = async (page, name) => {
      mkdirSync(screenshotDir, { recursive: true });
      await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
    };
  }, 600_000); // a first run may install Chromium
  afterEach(async () => {
    const seen = errors;
    errors = [];
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    expect(seen, 'console errors in the browser').toEqual([]);
  });
  afterAll(async () => {
    await state.browser.close();
  });
  return state;
}
