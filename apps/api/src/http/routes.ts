import type { ApplicationRow } from '@hookrail/db';
import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import type { PortalCapability } from '../portal-tokens.ts';
import { badRequest, forbidden, validationFailed } from './api-error.ts';
import { unstorableIn } from './storable.ts';
import { parse } from './validate.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Everything the API says about one route. The same schemas validate requests and generate
 * the OpenAPI document, so the document cannot drift from what the server accepts.
 */
export interface RouteSpec<
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** Express path under the router's mount point, e.g. `/app/:app_id`. */
  path: string;
  /** OpenAPI operationId, Svix's where there is one. */
  operationId: string;
  summary: string;
  /** What a caller should know beyond the summary (behaviour, timing). @defaultValue none */
  description?: string;
  tag: string;
  /**
   * Who may call it: the operator's admin token, a tenant API key (`tenant`), or also an app
   * portal token for the application in the path (`app`). `public` needs no credentials.
   */
  access: 'admin' | 'tenant' | 'app' | 'public';
  /**
   * The route acts on an existing application named by `:app_id`: the table loads it (404 when
   * the caller cannot see it) before the handler runs, and hands it over as `app`.
   */
  loadApp?: boolean;
  /**
   * For `app` routes, what an app portal token needs to call it (Svix's AppPortalCapability).
   * Default: ViewBase to read (GET), ManageEndpoint to change anything.
   */
  capability?: PortalCapability;
  /** An `app` route without `:app_id` that acts on the portal token's own session (logout). */
  ownSession?: boolean;
  /**
   * An `app` route without `:app_id` that reads what the tenant shows every subscriber (the
   * event-type catalogue): portal tokens may call it, within their capability.
   */
  sharedWithPortals?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Top-level body fields kept as the JSON text that was sent (a message's payload): NUL and
   * unpaired surrogates in them are kept as JSON escapes instead of being refused.
   */
  verbatim?: string[];
  /** Status code → body schema (null: no body). */
  responses: Record<number, z.ZodType | null>;
}

export interface Handled<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType> {
  req: Request;
  res: Response;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
}

/** Finds the caller's application by id or uid, throwing a 404 when it cannot see it. */
export type AppLoader = (res: Response, ref: string) => Promise<ApplicationRow>;

/** What a handler is given besides the request: the loaded application when the spec asks. */
type Loaded<L> = L extends true ? { app: ApplicationRow } : object;

export interface RouteTableOptions {
  /** Loads `:app_id` for routes that declare `loadApp`, and checks portal tokens' access. */
  loadApp?: AppLoader;
  /**
   * Steps run after the route's access check and before validation: steps that may only run
   * for a caller allowed on the route (idempotency replays).
   */
  afterAccess?: RequestHandler[];
}

/** Routes of one API surface, mounted at `base`, remembered for the OpenAPI document. */
export class RouteTable {
  readonly specs: (RouteSpec & { base: string })[] = [];
  readonly router: Router;
  readonly base: string;

  private readonly loadApp: AppLoader | undefined;
  private readonly afterAccess: RequestHandler[];

  constructor(router: Router, base: string, options: RouteTableOptions = {}) {
    this.router = router;
    this.base = base;
    this.loadApp = options.loadApp;
    this.afterAccess = options.afterAccess ?? [];
  }

  add<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType, L extends boolean = false>(
    spec: RouteSpec<Q, B, P> & { loadApp?: L },
    handler: (call: Handled<Q, B, P> & Loaded<L>) => Promise<void> | void,
  ): void {
    const loadApp = spec.loadApp === true ? this.loadApp : undefined;
    if (spec.loadApp === true && (loadApp === undefined || !spec.path.includes(':app_id'))) {
      throw new Error(
        `${spec.operationId}: loadApp needs an :app_id path and a table with a loader`,
      );
    }
    const needed = spec.capability ?? (spec.method === 'get' ? 'ViewBase' : 'ManageEndpoint');
    this.specs.push({ ...(spec as unknown as RouteSpec), base: this.base });
    const portalLoader = spec.path.includes(':app_id') ? this.loadApp : undefined;
    const route = { path: `${this.base}${spec.path}`, operationId: spec.operationId };
    const access: RequestHandler = async (req, res, next) => {
      res.locals.route = route; // names the request's span
      // Express has decoded the path; a NUL in it names nothing and must not reach a query.
      if (unstorableIn('path', req.params).length > 0) {
        throw badRequest('invalid_path', 'The path holds a character no name can have (NUL).');
      }
      // A portal token reaches only routes of its own application, and only its application.
      if (res.locals.auth?.appId !== undefined) {
        const withoutApp = spec.ownSession === true || spec.sharedWithPortals === true;
        if (spec.access !== 'app' || (portalLoader === undefined && !withoutApp)) {
          throw forbidden('An app portal token can only use routes of its own application.');
        }
        if (portalLoader !== undefined) await portalLoader(res, pathParam(req, 'app_id'));
      }
      const portal = res.locals.auth?.portal;
      if (portal !== undefined && !portal.capabilities.has(needed)) {
        throw forbidden(`This app portal token lacks the ${needed} capability this route needs.`);
      }
      next();
    };
    const run: RequestHandler = async (req, res) => {
      // Every string of the request is checked for text Postgres cannot store, whatever
      // field it is in, before any schema or handler sees it.
      const unstorable = [
        ...unstorableIn('query', req.query),
        ...(spec.body ? unstorableIn('body', req.body, spec.verbatim) : []),
      ];
      if (unstorable.length > 0) throw validationFailed(unstorable);
      const params = spec.params ? parse('path', spec.params, req.params) : req.params;
      const query = spec.query ? parse('query', spec.query, req.query) : {};
      const body = spec.body ? parse('body', spec.body, req.body) : undefined;
      const app = loadApp ? await loadApp(res, pathParam(req, 'app_id')) : undefined;
      // The cast is sound: `app` is present exactly when L is true (checked above).
      await handler({
        req,
        res,
        params: params as z.output<P>,
        query: query as z.output<Q>,
        body: body as z.output<B>,
        ...(app && { app }),
      } as Handled<Q, B, P> & Loaded<L>);
    };
    this.router[spec.method](spec.path, access, ...this.afterAccess, run);
  }
}

/** A path parameter the route's path declares. */
export function pathParam(req: Request, name: string): string {
  const value: unknown = req.params[name];
  if (typeof value !== 'string') throw new Error(`route has no :${name} parameter`);
  return value;
}
