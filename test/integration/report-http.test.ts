import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportIndexKey, reportKeys } from '../../functions/_shared/run-layout.js';
import { HttpEvent, httpReport, type ReportDeps } from '../../functions/report-top-shows/handler.js';
import type { TopShowsReport } from '../../functions/report-top-shows/report.js';
import { type AwsStandIns, startAwsStandIns } from '../support/aws-standins.js';

/** GET /reports/top-shows reads scopes and answers errors exactly as the offers route does (functions/_shared). */

const RUN_ID = '20240317T120000Z-now';
const report: TopShowsReport = {
  runId: RUN_ID,
  generatedAt: '2024-03-17T12:00:00.000Z',
  window: { since: '2024-03-11 00:00:00', asOf: '2024-03-17 12:00:00', weekStartsOn: 'monday' },
  topN: 10,
  weeks: ['2024-03-11'],
  weekStatus: [{ weekStart: '2024-03-11', isComplete: false, throughDate: '2024-03-17' }],
  defaultWeek: '2024-03-11',
  brands: ['b1'],
  partners: ['hulu'],
  topShows: [],
  brandWeeks: [
    { brand: 'b1', weekStart: '2024-03-11', uniqueViewers: 1, watchHours: 1 },
  ] as TopShowsReport['brandWeeks'],
  recommendations: null,
};

const request = (claims: Record<string, string>, query: Record<string, string> = {}) =>
  HttpEvent.parse({
    requestContext: { http: { method: 'GET' }, authorizer: { jwt: { claims, scopes: null } } },
    queryStringParameters: query,
  });

let aws: AwsStandIns;
let deps: ReportDeps;
const body = (response: { body: string }) => JSON.parse(response.body) as { error?: { code: string; field?: string } };

beforeAll(async () => {
  aws = await startAwsStandIns();
  deps = {
    config: {
      BUCKET_NAME: aws.bucket,
      REDSHIFT_WORKGROUP: 'wg',
      REDSHIFT_DATABASE: 'dev',
      REPORTS_SCOPE: 'reports/read',
      REPORT_WEEKS: 8,
      REPORT_TOP_N: 10,
      REPORT_WEEK_START: 'monday',
    },
    s3: aws.s3,
    redshift: { send: () => Promise.reject(new Error('the HTTP path never queries Redshift')) },
  };
});
afterAll(() => aws?.stop());

describe('GET /reports/top-shows', () => {
  it('reads the scope from `scope`, `scp` and the bracketed array form, as the offers route does', async () => {
    await aws.putText(reportKeys(RUN_ID).json, JSON.stringify(report));
    await aws.putText(reportIndexKey(RUN_ID), '');
    const claimForms: Record<string, string>[] = [
      { scope: 'openid reports/read' },
      { scp: 'reports/read' },
      { scp: '[offers/read reports/read]' },
    ];
    for (const claims of claimForms) {
      const response = await httpReport(request({ sub: 'svc', ...claims }), deps);
      expect([response.statusCode, JSON.parse(response.body).runId], JSON.stringify(claims)).toEqual([200, RUN_ID]);
    }
  });

  it('answers the newest run in the report index, never a run whose report is not finished (no entry yet)', async () => {
    // Prepare: an older and a newer finished report, and a still newer run that has written report.json only.
    const older = '20240310T120000Z-older';
    const newest = '20240324T120000Z-newest';
    const unfinished = '20240331T120000Z-unfinished';
    for (const runId of [older, newest, unfinished]) {
      await aws.putText(reportKeys(runId).json, JSON.stringify({ ...report, runId }));
    }
    await aws.putText(reportIndexKey(newest), '');
    await aws.putText(reportIndexKey(older), '');

    // Act
    const response = await httpReport(request({ sub: 'svc', scope: 'reports/read' }), deps);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).runId).toBe(newest);
  });

  it('answers the shared error body: 401 Unauthorized, 403 Forbidden, never cached', async () => {
    const unauthorized = await httpReport(request({}), deps);
    expect([unauthorized.statusCode, body(unauthorized).error?.code]).toEqual([401, 'Unauthorized']);
    const forbidden = await httpReport(request({ sub: 'v1', scope: 'offers/read', scp: '[offers/read]' }), deps);
    expect([forbidden.statusCode, body(forbidden).error?.code]).toEqual([403, 'Forbidden']);
    for (const response of [unauthorized, forbidden]) expect(response.headers['cache-control']).toBe('no-store');
  });
});
