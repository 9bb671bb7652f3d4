import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOffersDynamoClient } from './store.js';

// The login API's latency budget rests on the offers client's 300 ms requestTimeout. The SDK only logs a request past
// requestTimeout unless throwOnRequestTimeout is set, so against a table that accepts the connection and never
// answers (a stalled partition, a black-holed route) the read would wait for ever. A loopback server plays it.
let server: Server;
let endpoint: string;
const held: { destroy(): void }[] = [];
beforeAll(async () => {
  server = createServer((request) => held.push(request.socket));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of held) socket.destroy();
  server.close();
});

describe('the offers DynamoDB client', () => {
  it('gives up on a read the table never answers after its request timeout, on every attempt', async () => {
    const client = makeOffersDynamoClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const started = performance.now();

    const error = await client
      .send(new GetItemCommand({ TableName: 'recommendations', Key: { viewerId: { S: 'v1' }, runId: { S: '#' } } }))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'TimeoutError' });
    // Two attempts of 300 ms plus the SDK's backoff; without the fix this test hits vitest's timeout instead.
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(held.length).toBe(2);
    client.destroy();
  }, 15_000);
});
