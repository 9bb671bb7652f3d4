import { describe, expect, it } from 'vitest';
import { canReadViewer, type Principal, principalFromEvent } from './auth.js';

/** The slice of an HTTP API (payload 2.0) event the JWT authorizer fills in. */
const eventWith = (claims: Record<string, unknown>, scopes: string[] | null = null) => ({
  requestContext: { authorizer: { jwt: { claims, scopes } } },
});

const scopesOf = (principal: Principal | undefined) => [...(principal?.scopes ?? [])].sort();

describe('principalFromEvent', () => {
  it('answers undefined, which the handler turns into a 401, when no authorizer ran or it passed no claims', () => {
    expect(principalFromEvent({ requestContext: {} })).toBeUndefined();
    expect(principalFromEvent(null)).toBeUndefined();
    expect(principalFromEvent(eventWith({}))).toBeUndefined();
  });

  it('takes the subject from a non-empty string sub only', () => {
    expect(principalFromEvent(eventWith({ sub: 'viewer-1' }))?.subject).toBe('viewer-1');
    expect(principalFromEvent(eventWith({ sub: '' }))).toEqual({ scopes: new Set() });
    expect(principalFromEvent(eventWith({ sub: ['viewer-1'] }))).toEqual({ scopes: new Set() });
  });

  it('reads a token without a sub, such as a client-credentials token that carries only scopes', () => {
    expect(principalFromEvent(eventWith({ scope: 'offers/read' }))).toEqual({ scopes: new Set(['offers/read']) });
  });

  it('adds nothing of its own when neither the authorizer nor the claims carry scopes', () => {
    expect(principalFromEvent(eventWith({ sub: 'viewer-1', exp: 1_735_704_000 }))).toEqual({
      subject: 'viewer-1',
      scopes: new Set(),
    });
  });

  it('merges the authorizer scopes with space- or comma-separated scope and scp claims', () => {
    const principal = principalFromEvent(
      eventWith({ sub: 's', scope: ' openid  profile,email ', scp: 'offers/read,reports/read' }, ['admin']),
    );

    expect(scopesOf(principal)).toEqual(['admin', 'email', 'offers/read', 'openid', 'profile', 'reports/read']);
  });

  it('reads an array claim both as a JSON array and as the "[a b]" string API Gateway makes of it', () => {
    expect(scopesOf(principalFromEvent(eventWith({ scp: ['openid', 'offers/read'] })))).toEqual([
      'offers/read',
      'openid',
    ]);
    expect(scopesOf(principalFromEvent(eventWith({ scp: '[openid offers/read]' })))).toEqual(['offers/read', 'openid']);
    expect(scopesOf(principalFromEvent(eventWith({ scp: '[]', sub: 's' })))).toEqual([]);
  });

  it('unwraps brackets only around the whole claim, so a bracketed word inside grants nothing', () => {
    expect(scopesOf(principalFromEvent(eventWith({ scope: '[offers/read] openid' })))).toEqual([
      '[offers/read]',
      'openid',
    ]);
    expect(scopesOf(principalFromEvent(eventWith({ scope: 'openid [offers/read]' })))).toEqual([
      '[offers/read]',
      'openid',
    ]);
  });

  it('ignores scope claims that are neither strings nor arrays', () => {
    expect(principalFromEvent(eventWith({ sub: 's', scope: 42, scp: true }))).toEqual({
      subject: 's',
      scopes: new Set(),
    });
  });
});

describe('canReadViewer', () => {
  const viewer: Principal = { subject: 'viewer-1', scopes: new Set(['openid']) };
  const service: Principal = { subject: 'login-service', scopes: new Set(['offers/read']) };

  it("lets a viewer read their own offers, not another viewer's", () => {
    expect(canReadViewer(viewer, 'viewer-1', 'offers/read')).toBe(true);
    expect(canReadViewer(viewer, 'viewer-2', 'offers/read')).toBe(false);
  });

  it("lets the service scope read anyone's offers, and no other scope", () => {
    expect(canReadViewer(service, 'viewer-2', 'offers/read')).toBe(true);
    expect(canReadViewer(service, 'viewer-2', 'reports/read')).toBe(false);
  });
});
