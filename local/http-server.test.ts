import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalHttpApi, type ServerFailure } from './http-server.js';
import { loadOrCreateSigningKey, localAuthorizerSettings } from './jwt-keys.js';

let dataDir: string;
let api: LocalHttpApi;
let baseUrl: string;
const failures: ServerFailure[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'recs-http-'));
  api = new LocalHttpApi({
    authorizer: localAuthorizerSettings(await loadOrCreateSigningKey(dataDir)),
    routes: [
      {
        method: 'GET',
        path: '/boom',
        functionName: 'boomFunction',
        authorizer: 'none',
        handler: async () => {
          throw new TypeError('cannot read properties of undefined');
        },
      },
    ],
    onError: (failure) => failures.push(failure),
  });
  baseUrl = await api.listen(0);
});

afterAll(async () => {
  await api?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('LocalHttpApi', () => {
  it('answers a function error with a bare 500 and tells the operator which function failed and why', async () => {
    const response = await fetch(`${baseUrl}/boom?token=secret`);

    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'Internal Server Error' });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ method: 'GET', path: '/boom', functionName: 'boomFunction' });
    expect(failures[0]?.error).toBeInstanceOf(TypeError);
    expect(String(failures[0]?.error)).toContain('cannot read properties of undefined');
  });
});
