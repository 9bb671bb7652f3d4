import { randomBytes } from 'node:crypto';

/**
 * One access key per local principal, as AWS gives each role session its own: the SDK signs with it as usual and
 * the stand-ins map the key in the SigV4 Authorization header back to the principal.
 */

export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The key the runtime's own clients (setup, summaries, tests) sign with: the operator, not part of the stack. */
export const OPERATOR_ACCESS_KEY_ID = 'S3RVER';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export class KeyRing {
  private readonly byPrincipal = new Map<string, AccessKey>();
  private readonly byKeyId = new Map<string, string>();
  private readonly issuedListeners: ((key: AccessKey) => void)[] = [];

  /** Called for every key issued (s3rver verifies signatures, so it learns each key pair). */
  onIssue(listener: (key: AccessKey) => void): void {
    this.issuedListeners.push(listener);
    for (const key of this.byPrincipal.values()) listener(key);
  }

  keyFor(principalId: string): AccessKey {
    let key = this.byPrincipal.get(principalId);
    if (!key) {
      const id = `AKIA${[...randomBytes(16)].map((byte) => BASE32[byte % 32]).join('')}`;
      key = { accessKeyId: id, secretAccessKey: randomBytes(30).toString('base64') };
      this.byPrincipal.set(principalId, key);
      this.byKeyId.set(id, principalId);
      for (const listener of this.issuedListeners) listener(key);
    }
    return key;
  }

  principalOf(accessKeyId: string): string | undefined {
    return this.byKeyId.get(accessKeyId);
  }
}

/** The access key id a request was signed with: SigV4 header, or a presigned URL's X-Amz-Credential. */
export function accessKeyIdOf(headers: Record<string, string | string[] | undefined>, url = ''): string | undefined {
  const authorization = headers.authorization;
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const fromHeader = header ? /Credential=([^/,\s]+)\//.exec(header)?.[1] : undefined;
  if (fromHeader) return fromHeader;
  const credential = new URL(url, 'http://local').searchParams.get('X-Amz-Credential');
  return credential?.split('/')[0] || undefined;
}
