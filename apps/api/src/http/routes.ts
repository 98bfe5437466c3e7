import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { forbidden } from './api-error.ts';
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
  tag: string;
  /**
   * Who may call it: the operator's admin token, a tenant API key (`tenant`), or also an app
   * portal token for the application in the path (`app`). `public` needs no credentials.
   */
  access: 'admin' | 'tenant' | 'app' | 'public';
  params?: P;
  query?: Q;
  body?: B;
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

/** Routes of one API surface, mounted at `base`, remembered for the OpenAPI document. */
export class RouteTable {
  readonly specs: (RouteSpec & { base: string })[] = [];
  readonly router: Router;
  readonly base: string;

  constructor(router: Router, base: string) {
    this.router = router;
    this.base = base;
  }

  add<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType>(
    spec: RouteSpec<Q, B, P>,
    handler: (call: Handled<Q, B, P>) => Promise<void> | void,
  ): void {
    this.specs.push({ ...(spec as unknown as RouteSpec), base: this.base });
    const run: RequestHandler = async (req, res) => {
      // A portal token reaches only routes of its own application.
      if (res.locals.auth?.appId !== undefined && spec.access !== 'app') {
        throw forbidden('An app portal token can only use routes of its own application.');
      }
      const params = spec.params ? parse('path', spec.params, req.params) : req.params;
      const query = spec.query ? parse('query', spec.query, req.query) : {};
      const body = spec.body ? parse('body', spec.body, req.body) : undefined;
      await handler({
        req,
        res,
        params: params as z.output<P>,
        query: query as z.output<Q>,
        body: body as z.output<B>,
      });
    };
    this.router[spec.method](spec.path, run);
  }
}

/** A path parameter the route's path declares. */
export function pathParam(req: Request, name: string): string {
  const value: unknown = req.params[name];
  if (typeof value !== 'string') throw new Error(`route has no :${name} parameter`);
  return value;
}
