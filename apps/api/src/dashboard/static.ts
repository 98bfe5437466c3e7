import express, { Router, type Response } from 'express';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notFound } from '../http/api-error.ts';

/** Where `npm run build:dashboard` (and the pre-step of `npm start`) writes the browser app. */
export const dashboardBuildDir = fileURLToPath(
  new URL('../../../dashboard/dist/', import.meta.url),
);

/**
 * The page's own rules: scripts, styles and API calls from this origin only, images from here
 * (and the portal's logo, from its origin), and framing by `frameAncestors` only: none for
 * the operator's dashboard, the tenant's allowed origins for its subscriber portal.
 */
export function contentSecurityPolicy(
  options: { frameAncestors?: readonly string[]; imageOrigins?: readonly string[] } = {},
): string {
  const ancestors = options.frameAncestors ?? [];
  return [
    "default-src 'self'",
    ["img-src 'self' data:", ...(options.imageOrigins ?? [])].join(' '),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors.length === 0 ? "'none'" : ancestors.join(' ')}`,
  ].join('; ');
}

const notBuilt = `<!doctype html><meta charset="utf-8"><title>Hookrail</title>
<p>The dashboard has not been built. Run <code>npm run build:dashboard</code> (or restart with
<code>npm start</code>, which builds it first), then reload.</p>`;

/**
 * Answers the app's one HTML page with `csp`, revalidated on every load so that a new build
 * is picked up; a 503 page saying how to build it when it has not been built.
 */
export function dashboardPage(buildDir = dashboardBuildDir) {
  return async (res: Response, csp: string): Promise<void> => {
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('content-security-policy', csp);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    let html: string;
    try {
      html = await readFile(join(buildDir, 'index.html'), 'utf8');
    } catch {
      res.status(503).type('html').send(notBuilt);
      return;
    }
    res.type('html').send(html);
  };
}

/**
 * `/dashboard`: the browser app. Its assets carry a content hash in their names, so they are
 * cached for a year and never revalidated; every other path is the app's one HTML page
 * (the app routes in the browser), which no other site may frame. The subscriber portal's
 * pages (`/dashboard/portal/{app_id}`) are answered before this, with their tenant's framing
 * rules (routes/portal-page.ts).
 */
export function dashboardRoutes(
  options: {
    buildDir?: string;
    /** Answers the portal's pages below `/portal/{app_id}/` (reloads, links within it). */
    portal?: (res: Response, appId: string) => Promise<void>;
  } = {},
): Router {
  const router = Router();
  const buildDir = options.buildDir ?? dashboardBuildDir;
  const page = dashboardPage(buildDir);
  router.use(
    '/assets',
    express.static(join(buildDir, 'assets'), {
      immutable: true,
      maxAge: '365d',
      index: false,
      redirect: false,
    }),
    () => {
      throw notFound('asset');
    },
  );
  // Middleware rather than a route: these are pages, not API operations for the OpenAPI document.
  router.use(async (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    const portalApp = /^\/portal\/([^/]+)\//.exec(req.path)?.[1];
    if (portalApp !== undefined && options.portal !== undefined) {
      await options.portal(res, portalApp);
      return;
    }
    await page(res, contentSecurityPolicy());
  });
  return router;
}
