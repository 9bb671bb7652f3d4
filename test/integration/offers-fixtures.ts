import { Agent, request as httpRequest } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { OffersHandler } from '../../functions/offers/handler.js';
import { startDynamo } from '../../local/standins/dynamodb.js';
import type { RunningStandIn } from '../../local/standins/s3.js';
import { ensureRecommendationsTable } from '../../local/tables.js';

/** Shared set-up for the offers tests: a real dynalite, the contract's table, and API Gateway v2 events. */

export const TABLE_NAME = 'recommendations';
export const LIVE_RUN_ID = '20250101T030000Z-daily';
export const OLD_RUN_ID = '20241231T030000Z-daily';
export const MODEL_VERSION = 'recs-train-r0';
export const DEEP_LINK_TEMPLATES = {
  hulu: 'https://www.hulu.com/watch/{showId}',
  youtube: 'https://www.youtube.com/watch?v={showId}',
  appletv: 'https://tv.apple.com/show/{showId}',
} as const;

export interface OffersTable {
  endpoint: string;
  client: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Starts an in-memory dynalite with the `recommendations` table as docs/contracts.md defines it. */
export async function startOffersTable(): Promise<OffersTable> {
  const dynamo: RunningStandIn = await startDynamo();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  await createTable(client, TABLE_NAME);
  const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint: dynamo.endpoint,
    client,
    doc,
    stop: async () => {
      client.destroy();
      await dynamo.stop();
    },
  };
}

/** Creates a table with the contract's key schema (viewerId HASH, runId RANGE), as the local runtime does. */
export const createTable = (client: DynamoDBClient, tableName: string): Promise<void> =>
  ensureRecommendationsTable(client, tableName);

const SHOWS = [
  { showId: 'show-1', title: 'Harbor Lights', genre: 'drama', brand: 'ABC' },
  { showId: 'show-2', title: 'Orbit', genre: 'scifi', brand: 'FX' },
  { showId: 'show-3', title: 'Kitchen Wars', genre: 'reality', brand: 'Freeform' },
  { showId: 'show-4', title: 'Night Desk', genre: 'news', brand: 'ABC News' },
  { showId: 'show-5', title: 'Small Town', genre: 'comedy', brand: 'ABC' },
  { showId: 'show-6', title: 'Deep Field', genre: 'documentary', brand: 'Nat Geo' },
  { showId: 'show-7', title: 'The Pitch', genre: 'sports', brand: 'ESPN' },
  { showId: 'show-8', title: 'Red Line', genre: 'thriller', brand: 'FX' },
  { showId: 'show-9', title: 'Little Ones', genre: 'kids', brand: 'Disney Junior' },
  { showId: 'show-10', title: 'Open Road', genre: 'travel', brand: 'Nat Geo' },
  { showId: 'show-11', title: 'Last Call', genre: 'comedy', brand: 'FX' },
  { showId: 'show-12', title: 'Far Shore', genre: 'drama', brand: 'Hulu Originals' },
] as const;

/** A viewer's top-10 from `SHOWS`, alternating between the two partners given. */
export function viewerRecommendations(partners: readonly [string, ...string[]], offset = 0) {
  return Array.from({ length: 10 }, (_, index) => {
    const show = SHOWS[(index + offset) % SHOWS.length] ?? SHOWS[0];
    return {
      ...show,
      partner: partners[index % partners.length] ?? partners[0],
      score: 1 - index / 20,
      rank: index + 1,
      reason: `Because you watched ${SHOWS[(index + offset + 1) % SHOWS.length]?.title}`,
    };
  });
}

/** Popular shows: odd ranks on hulu+youtube, even ranks on appletv only. */
export function popularShows() {
  return SHOWS.map((show, index) => ({
    ...show,
    partners: index % 2 === 0 ? ['hulu', 'youtube'] : ['appletv'],
    rank: index + 1,
    uniqueViewers: 1000 - index * 10,
  }));
}

/** The `#live` pointer as Publish leaves it; the offers benchmark passes its own table and model version. */
export async function putLivePointer(
  doc: DynamoDBDocumentClient,
  liveRunId = LIVE_RUN_ID,
  { tableName = TABLE_NAME, modelVersion = MODEL_VERSION } = {},
): Promise<void> {
  await doc.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        viewerId: '#live',
        runId: '#',
        liveRunId,
        modelVersion,
        ndcg: 0.4,
        publishedAt: '2025-01-01T04:00:00Z',
      },
    }),
  );
}

export async function putPopular(doc: DynamoDBDocumentClient, runId = LIVE_RUN_ID): Promise<void> {
  await doc.send(
    new PutCommand({ TableName: TABLE_NAME, Item: { viewerId: '#popular', runId, recommendations: popularShows() } }),
  );
}

export interface ViewerRow {
  viewerId: string;
  runId?: string;
  partners?: readonly [string, ...string[]];
  /** Epoch seconds. */
  ttl?: number;
}

/** Writes viewer rows in batches of 25 (BatchWriteItem's limit). */
export async function putViewers(doc: DynamoDBDocumentClient, rows: readonly ViewerRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 25) {
    const items = rows.slice(start, start + 25).map((row, index) => ({
      PutRequest: {
        Item: {
          viewerId: row.viewerId,
          runId: row.runId ?? LIVE_RUN_ID,
          modelVersion: MODEL_VERSION,
          recommendations: viewerRecommendations(row.partners ?? ['hulu', 'youtube'], start + index),
          updatedAt: '2025-01-01T03:30:00Z',
          ttl: row.ttl ?? Math.floor(Date.now() / 1000) + 14 * 86_400,
        },
      },
    }));
    await doc.send(new BatchWriteCommand({ RequestItems: { [TABLE_NAME]: items } }));
  }
}

/** The live pointer, the popular list and the given viewers' rows: what most offers tests read. */
export async function seedOffersTable(doc: DynamoDBDocumentClient, viewers: readonly ViewerRow[]): Promise<void> {
  await putLivePointer(doc);
  await putPopular(doc);
  await putViewers(doc, viewers);
}

/**
 * The real offers handler, configured as deployed, reading the fixture table. Loaded on first use, so the offers
 * benchmark, which imports this module for its events, does not load the handler before it measures it.
 */
export async function fixtureOffersHandler(table: OffersTable): Promise<OffersHandler> {
  const { loadOffersConfig } = await import('../../functions/offers/config.js');
  const { createOffersHandler } = await import('../../functions/offers/handler.js');
  const { makeOffersDynamoClient } = await import('../../functions/offers/store.js');
  return createOffersHandler({
    config: loadOffersConfig({ TABLE_NAME, DEEP_LINK_TEMPLATES: JSON.stringify(DEEP_LINK_TEMPLATES) }),
    client: makeOffersDynamoClient({ endpoint: table.endpoint, region: 'us-east-1', credentials: LOCAL_CREDENTIALS }),
  });
}

export interface EventOptions {
  query?: Record<string, string>;
  /** JWT claims as API Gateway passes them; `null` for an event without an authorizer context. */
  claims?: Record<string, string> | null;
  scopes?: string[] | null;
}

/** An API Gateway HTTP API (payload 2.0) event for `GET /viewers/{viewerId}/offers`, as the authorizer passes it. */
export function offersEvent(viewerId: string, options: EventOptions = {}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const claims = options.claims === undefined ? { sub: viewerId } : options.claims;
  const rawPath = `/viewers/${encodeURIComponent(viewerId)}/offers`;
  const query = options.query;
  return {
    version: '2.0',
    routeKey: 'GET /viewers/{viewerId}/offers',
    rawPath,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers: { host: 'api.example.com' },
    ...(query ? { queryStringParameters: query } : {}),
    pathParameters: { viewerId },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      ...(claims === null ? {} : { authorizer: { jwt: { claims, scopes: options.scopes ?? null } } }),
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method: 'GET', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'test' },
      requestId: 'req',
      routeKey: 'GET /viewers/{viewerId}/offers',
      stage: '$default',
      time: '01/Jan/2025:04:00:00 +0000',
      timeEpoch: 1_735_704_000_000,
    },
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2WithJWTAuthorizer;
}

/** A GET with the request target sent exactly as given (fetch would normalise `..`, `//` and escapes). */
export function rawGet(
  baseUrl: string,
  target: string,
  headers: Record<string, string> = {},
): Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { hostname, port, path: target, method: 'GET', headers, agent: keepAliveAgent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            statusCode: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

const keepAliveAgent = new Agent({ keepAlive: true, maxSockets: 16 });

/** Text that looks like a leaked stack trace or internal detail. */
export const LEAK_PATTERN = /\bat [\w.<>]+ \(|node_modules|\.ts:\d|\.js:\d|\.mjs:\d|Error:|stack/i;
