import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CryptoKey,
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
  SignJWT,
} from 'jose';

/**
 * The local stand-in for the identity provider behind the HTTP API's JWT authorizer: one RSA key per data dir
 * (the authorizer only accepts RSA signatures), the issuer and audience `recs serve` verifies, and token minting
 * for `recs token`. Nothing here is used in AWS.
 */
export const LOCAL_ISSUER = 'https://auth.recs.local/';
/** LOCAL_ISSUER and LOCAL_AUDIENCE are serverless.yml's params.local jwtIssuer/jwtAudience (local/http-routes.test.ts). */
export const LOCAL_AUDIENCE = 'show-recs';
export const DEFAULT_SERVICE_SCOPE = 'offers/read';
export const DEFAULT_SERVICE_SUBJECT = 'login-service';
const ALGORITHM = 'RS256';

export interface LocalSigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public half as a JWKS, as an identity provider would publish it. */
  jwks: JSONWebKeySet;
}

/** Path of the private signing key inside a data dir (mode 0600). */
export const signingKeyPath = (dataDir: string): string => join(dataDir, 'auth', 'jwt-signing-key.json');

/** Loads the data dir's signing key, creating it on first use; concurrent first uses end up with the same key. */
export async function loadOrCreateSigningKey(dataDir: string): Promise<LocalSigningKey> {
  const path = signingKeyPath(dataDir);
  const existing = await readKeyFile(path);
  if (existing) return fromPrivateJwk(existing);

  await mkdir(join(dataDir, 'auth'), { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  // Write aside, then link into place: link fails if another process won the race, and then we use its key.
  const temporary = `${path}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify({ ...jwk, kid, alg: ALGORITHM, use: 'sig' })}\n`, { mode: 0o600 });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  const stored = await readKeyFile(path);
  if (!stored) throw new Error(`could not create the signing key at ${path}`);
  return fromPrivateJwk(stored);
}

async function readKeyFile(path: string): Promise<JWK | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const jwk = JSON.parse(text) as JWK;
    if (jwk.kty !== 'RSA' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string')
      throw new Error('not an RSA JWK');
    return jwk;
  } catch (error) {
    throw new Error(`the signing key at ${path} is corrupt; delete it to create a new one`, { cause: error });
  }
}

async function fromPrivateJwk(jwk: JWK): Promise<LocalSigningKey> {
  const privateKey = (await importJWK(jwk, ALGORITHM)) as CryptoKey;
  const { kty, n, e, kid } = jwk;
  return { kid: String(kid), privateKey, jwks: { keys: [{ kty, n, e, kid, alg: ALGORITHM, use: 'sig' }] } };
}

/** What a token says; everything has a default except the subject. */
export interface TokenClaims {
  subject: string;
  /** Space-separated OAuth scopes (the `scope` claim). */
  scope?: string;
  issuer?: string;
  audience?: string;
  /** Lifetime from `now`; negative values make an already-expired token (tests). */
  expiresInSeconds?: number;
  now?: Date;
}

/** Signs an RS256 JWT with the data dir's key. */
export async function signToken(key: LocalSigningKey, claims: TokenClaims): Promise<string> {
  const nowSeconds = Math.floor((claims.now ?? new Date()).getTime() / 1000);
  const lifetimeSeconds = claims.expiresInSeconds ?? 3600;
  // Keep iat before exp, as a real identity provider would, even for an already-expired test token.
  const issuedAtSeconds = Math.min(nowSeconds, nowSeconds + lifetimeSeconds - 60);
  return new SignJWT({ ...(claims.scope ? { scope: claims.scope } : {}) })
    .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(claims.subject)
    .setIssuer(claims.issuer ?? LOCAL_ISSUER)
    .setAudience(claims.audience ?? LOCAL_AUDIENCE)
    .setIssuedAt(issuedAtSeconds)
    .setExpirationTime(nowSeconds + lifetimeSeconds)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

/** How the local JWT authorizer verifies tokens (the settings serverless.yml gives the AWS one). */
export interface JwtAuthorizerSettings {
  issuer: string;
  audience: readonly string[];
  keys: JWTVerifyGetKey;
}

/**
 * The authorizer settings for a data dir's key: by default those matching the tokens `signToken` makes; `recs serve`
 * passes the issuer and audience serverless.yml gives the local stage's authorizer (params.local).
 */
export function localAuthorizerSettings(
  key: LocalSigningKey,
  trusted: { issuer: string; audience: readonly string[] } = { issuer: LOCAL_ISSUER, audience: [LOCAL_AUDIENCE] },
): JwtAuthorizerSettings {
  return { issuer: trusted.issuer, audience: [...trusted.audience], keys: createLocalJWKSet(key.jwks) };
}
