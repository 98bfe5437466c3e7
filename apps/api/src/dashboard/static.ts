import express, { Router } from 'express';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { notFound } from '../http/api-error.ts';

/** Where `npm run build:dashboard` (and the pre-step of `npm start`) writes the browser app. */
export const dashboardBuildDir = fileURLToPath(
  new URL('../../../dashboard/dist/', import.meta.url),
);

/**
 * The page's own rules: scripts, styles and API calls from this origin only, and no framing
 * (the subscriber portal, framed by tenants, sets its own).
 */
const contentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const notBuilt = `<!doctype html><meta charset="utf-8"><title>Hookrail</title>
<p>The dashboard has not been built. Run <code>npm run build:dashboard</code> (or restart with
<code>npm start</code>, which builds it first), then reload.</p>`;

/**
 * `/dashboard`: the browser app. Its assets carry a content hash in their names, so they are
 * cached for a year and never revalidated; every other path is the app's one HTML page
 * (the app routes in the browser), revalidated on every load so a new build is picked up.
 */
export function dashboardRoutes(buildDir = dashboardBuildDir): Router {
  const router = Router();
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
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('content-security-policy', contentSecurityPolicy);
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
  });
  return router;
}
