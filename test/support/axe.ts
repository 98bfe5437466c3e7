import type { AxeResults } from 'axe-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** axe-core's browser build, put into a page on demand (evaluated, so the page's CSP allows it). */
const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

/**
 * The serious and critical axe-core violations of the page as it is now (its default rules:
 * WCAG 2 A and AA, and best practices), one line per rule with the elements that break it.
 */
export async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const results = await page.evaluate<AxeResults>(
    'window.axe.run(document, { resultTypes: ["violations"] })',
  );
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact ?? ''}): ${v.help}; ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}
