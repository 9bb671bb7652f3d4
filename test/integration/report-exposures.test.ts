import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_INDEX_PREFIX, reportIndexKey } from '../../functions/_shared/run-layout.js';
import { loadReportConfig, writeRunReport } from '../../functions/report-top-shows/handler.js';
import type { TopShowsReport } from '../../functions/report-top-shows/report.js';
import { RedshiftDataEmulator } from '../../local/redshift/data-api.js';
import { startRedshiftDataServer } from '../../local/redshift/server.js';
import { loadWarehouseRows } from '../../local/report-sample-data.js';
import type { RunningStandIn } from '../../local/standins/s3.js';
import { type AwsStandIns, startAwsStandIns } from '../support/aws-standins.js';

// The ReportTopShows Lambda's pipeline path against stand-ins (s3rver, PGlite behind the Data API emulation over
// HTTP, as the local runtime wires it): transform output → exposures file → DELETE + COPY → report hit rate (#8).
const RUN_ID = '20240317T235959Z-exposures';
const AS_OF = '2024-03-17T23:59:59.000Z';
const run = {
  runId: RUN_ID,
  bucket: 'recs-test',
  asOf: AS_OF,
  prefixes: { report: `runs/${RUN_ID}/report/`, recommendations: `runs/${RUN_ID}/recommendations/` },
};
const rec = (showId: string) => ({ showId, title: showId, genre: 'drama', brand: 'A', partner: 'hulu', score: 1 });

let standIns: AwsStandIns;
let db: PGlite;
let dataApi: RunningStandIn;
let redshift: RedshiftDataClient;

beforeAll(async () => {
  standIns = await startAwsStandIns({ bucket: run.bucket });
  db = new PGlite();
  await loadWarehouseRows(db, {
    shows: [
      ['s1', 'Alpha', 'drama', 'A'],
      ['s2', 'Beta', 'comedy', 'A'],
      ['s3', 'Gamma', 'news', 'B'],
    ],
    identities: [
      ['hulu', 'h1', 'v1'],
      ['hulu', 'h2', 'v2'],
    ],
    events: [
      ['hulu', 'h1', 's1', '2024-03-12 10:00:00', 1200], // before the recommendation: not a conversion
      ['hulu', 'h1', 's2', '2024-03-17 23:59:59', 600], // at recommended_at (the run's as-of): a conversion
      ['hulu', 'h2', 's1', '2024-03-13 10:00:00', 3600],
    ],
  });
  const emulator = new RedshiftDataEmulator(db, standIns.s3);
  dataApi = await startRedshiftDataServer(emulator);
  redshift = new RedshiftDataClient({
    endpoint: dataApi.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  // Batch-transform output: two objects, one with a container error line and one unparsable line.
  await standIns.putText(
    `${run.prefixes.recommendations}part-a.json.out`,
    `${JSON.stringify({ viewerId: 'v1', recommendations: [rec('s1'), rec('s2'), rec('s3')] })}\n` +
      '{"line":2,"error":{"code":"InvalidViewer","message":"bad id"}}\n{oops\n',
  );
  await standIns.putText(
    `${run.prefixes.recommendations}part-b.json.out`,
    `${JSON.stringify({ viewerId: 'v2', recommendations: [rec('s2'), rec('s3')] })}\n`,
  );
});
afterAll(async () => {
  redshift?.destroy();
  await dataApi?.stop();
  await db?.close();
  await standIns?.stop();
});

const deps = () => ({
  config: loadReportConfig({
    BUCKET_NAME: run.bucket,
    REDSHIFT_WORKGROUP: 'local',
    REDSHIFT_DATABASE: 'dev',
    REDSHIFT_IAM_ROLE_ARN: 'arn:aws:iam::000000000000:role/RedshiftUnloadRole',
    REPORT_WEEKS: '2',
  }),
  s3: standIns.s3,
  redshift,
  pollMs: 10,
});
const exposureCount = async () =>
  (await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM recommendation_exposures WHERE run_id = $1', [RUN_ID]))
    .rows[0]?.n;

describe('ReportTopShows records the run exposures before reporting', () => {
  it('loads one row per viewer and recommended show, and a rerun keeps the same rows', async () => {
    // Act
    await writeRunReport(run, deps(), new Date('2024-03-18T00:00:00Z'));
    const afterFirst = await exposureCount();
    await writeRunReport(run, deps(), new Date('2024-03-18T00:05:00Z'));

    // Assess: v1 × 3 shows + v2 × 2 shows; the error and bad lines are skipped.
    expect(afterFirst).toBe(5);
    expect(await exposureCount()).toBe(5);
    // The finished report is entered in the report index, which GET /reports/top-shows reads.
    const indexed = await standIns.s3.send(
      new ListObjectsV2Command({ Bucket: run.bucket, Prefix: REPORT_INDEX_PREFIX }),
    );
    expect(indexed.Contents?.map((object) => object.Key)).toEqual([reportIndexKey(RUN_ID)]);
    const exposuresFile = await standIns.s3.send(
      new GetObjectCommand({ Bucket: run.bucket, Key: `runs/${RUN_ID}/exposures/part-0000.jsonl` }),
    );
    const firstLine = (await exposuresFile.Body?.transformToString())?.split('\n')[0] ?? '';
    expect(JSON.parse(firstLine)).toEqual({
      run_id: RUN_ID,
      viewer_id: 'v1',
      show_id: 's1',
      rank: 1,
      recommended_at: '2024-03-17 23:59:59',
    });
  });

  it("reports a run's hit rate in the next run's report, not in its own", async () => {
    // Prepare: the next day's run recommends from the same transform output (its own lists cannot convert yet).
    const nextRunId = '20240318T235959Z-exposures';
    const nextRun = {
      ...run,
      runId: nextRunId,
      asOf: '2024-03-18T23:59:59.000Z',
      prefixes: { ...run.prefixes, report: `runs/${nextRunId}/report/` },
    };
    const readReport = async (key: string) => {
      const object = await standIns.s3.send(new GetObjectCommand({ Bucket: run.bucket, Key: key }));
      return JSON.parse((await object.Body?.transformToString()) ?? 'null') as TopShowsReport;
    };

    // Act
    const own = await readReport((await writeRunReport(run, deps(), new Date('2024-03-18T00:10:00Z'))).jsonKey);
    const report = await readReport((await writeRunReport(nextRun, deps(), new Date('2024-03-19T00:10:00Z'))).jsonKey);

    // Assess
    expect(own.recommendations?.recommendedViewers ?? 0).toBe(0);
    // Shows s2 and s3 were recommended to both viewers, s1 to v1; v1 watched s2 at recommended_at.
    expect(report.recommendations).toMatchObject({
      runId: RUN_ID,
      recommendedViewers: 5,
      convertedViewers: 1,
      hitRate: 0.2,
    });
    expect(report.recommendations?.shows.map((s) => [s.showId, s.recommendedViewers, s.convertedViewers])).toEqual([
      ['s2', 2, 1],
      ['s3', 2, 0],
      ['s1', 1, 0],
    ]);
  });
});
