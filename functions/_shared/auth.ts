import * as z from 'zod/mini';

/**
 * Who is calling, as the HTTP API's JWT authorizer saw it. The authorizer has already checked the token's
 * signature, issuer, audience and expiry; the handler only decides what this caller may read.
 */
export interface Principal {
  /** The token's `sub`, when it has one. */
  subject?: string;
  /** Scopes from `requestContext.authorizer.jwt.scopes` and the `scope`/`scp` claims. */
  scopes: ReadonlySet<string>;
}

const ClaimValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]);
const JwtAuthorizerContext = z.object({
  requestContext: z.object({
    authorizer: z.object({
      jwt: z.object({
        claims: z.record(z.string(), ClaimValue),
        scopes: z.optional(z.nullable(z.array(z.string()))),
      }),
    }),
  }),
});

/**
 * Reads the principal from an API Gateway HTTP API (payload 2.0) event; `undefined` when the event carries no
 * JWT claims at all (no authorizer ran, or it passed nothing), which callers answer with 401.
 */
export function principalFromEvent(event: unknown): Principal | undefined {
  const parsed = JwtAuthorizerContext.safeParse(event);
  if (!parsed.success) return undefined;
  const { claims, scopes } = parsed.data.requestContext.authorizer.jwt;
  if (Object.keys(claims).length === 0) return undefined;
  const sub = claims.sub;
  return {
    ...(typeof sub === 'string' && sub.length > 0 ? { subject: sub } : {}),
    scopes: new Set([...(scopes ?? []), ...scopeList(claims.scope), ...scopeList(claims.scp)]),
  };
}

// API Gateway passes claims as strings; an array claim arrives as "[a b]", a scope claim as "a b".
function scopeList(value: z.infer<typeof ClaimValue> | undefined): string[] {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') return [];
  return value
    .replace(/^\[(.*)\]$/, '$1')
    .split(/[\s,]+/)
    .filter((scope) => scope.length > 0);
}

/** A viewer may read their own resources; a caller holding `serviceScope` may read anyone's. */
export function canReadViewer(principal: Principal, viewerId: string, serviceScope: string): boolean {
  return principal.subject === viewerId || principal.scopes.has(serviceScope);
}
