import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_ID_PATTERN } from '../../functions/_shared/run-layout.js';
import { parseFaultSpec } from '../../local/faults.js';
import type { ExecutionSummary } from '../../local/run-summary.js';
import { type LocalSession, openLocalSession } from '../../local/runtime.js';
import { getItem, jobsOf, mapRunBatches, readRegistry, runContent } from './redrive-support.js';

// Issue #7: every Task state fails (through its Retry; no Task has a Catch), the execution is redriven, and what the run
// leaves in DynamoDB equals a clean run's. One session (one set of stand-ins) serves every execution: the
// Lambdas keep the SDK clients of the first stand-ins they see, and a small sample keeps each run ~5 s.
// A fixed day, not today: the sample and the as-of time never depend on when the test runs.
const END = new Date(Date.UTC(2025, 0, 6));
const SAMPLE = { viewers: 200, shows: 40, days: 14, seed: 7, endDate: END };
// A fixed as-of time: every execution unloads exactly the same rows, whenever it starts.
const INPUT = { asOf: END.toISOString() };

const MATRIX = [
  'PrepareRun',
  'UnloadViewership',
  'CheckUnload',
  'TrainModel',
  'QualityGate',
  'CreateModel',
  'BatchRecommend',
  'WriteTopTen:batch=1',
  'Publish',
  'ReportTopShows',
];

// The Task states in the order the pipeline runs them.
const ORDER = MATRIX.map((spec) => spec.split(':')[0] as string);

describe('redrive: every Task state fails, is redriven, and ends as a clean run', () => {
  let dataDir: string;
  let session: LocalSession;
  let baseline: ExecutionSummary;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'recs-redrive-'));
    session = await openLocalSession({ dataDir, sample: SAMPLE, waitMs: 50, retryMs: 5 });
    baseline = await session.start({ executionName: 'baseline', input: INPUT });
  }, 120_000);

  afterAll(async () => {
    await session?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a clean baseline', () => {
    expect(baseline.status, baseline.error).toBe('SUCCEEDED');
    expect(baseline.recommendationsWritten).toBe(SAMPLE.viewers);
  });

  it.each(MATRIX)('%s: fails after its retries, then a redrive finishes the same run', async (spec) => {
    // Prepare
    const fault = parseFaultSpec(spec);
    const name = `fail-${fault.state.toLowerCase()}`;

    // Act
    const failed = await session.start({ executionName: name, input: INPUT, failAt: fault });
    const batchesBefore = fault.batch !== undefined ? mapRunBatches(dataDir, name) : [];
    // The report runs after Publish: its failure fails the execution, yet the run stays live with lastError.
    const recordAfterReportFailure =
      fault.state === 'ReportTopShows' ? await getItem(session, { viewerId: '#run', runId: String(failed.runId) }) : {};
    const redriven = await session.redrive(name);

    // Assess
    expect(failed.status).toBe('FAILED');
    expect(failed.failedState).toBe(fault.state);
    if (fault.state === 'ReportTopShows') {
      expect(recordAfterReportFailure).toMatchObject({
        status: 'PUBLISHED',
        liveRunId: failed.runId,
        lastError: { Error: expect.stringMatching(/\S/) },
      });
    }
    expect(redriven.status, redriven.error).toBe('SUCCEEDED');
    expect(redriven.runId).toMatch(RUN_ID_PATTERN);
    // PrepareRun names the run, so failing there leaves none; a redrive from any later state keeps the failed one's.
    if (fault.state === 'PrepareRun') expect(failed.runId).toBeUndefined();
    else expect(redriven.runId).toBe(failed.runId);
    // Succeeded states are not rerun: the redrive starts at the failed state.
    expect(redriven.states[0]?.name).toBe(fault.state);
    const ran = new Set(redriven.states.map((state) => state.name));
    const failedAt = ORDER.indexOf(fault.state);
    for (const before of ORDER.slice(0, failedAt)) expect(ran.has(before), `${before} reran`).toBe(false);
    if (fault.batch !== undefined) {
      // Only the failed Map batch reran: the others keep the record (and start time) of the first attempt.
      const after = mapRunBatches(dataDir, name);
      expect(batchesBefore.find((b) => b.index === fault.batch)?.status).toBe('FAILED');
      expect(after.every((b) => b.status === 'SUCCEEDED')).toBe(true);
      for (const batch of batchesBefore.filter((b) => b.index !== fault.batch)) {
        expect(after.find((b) => b.index === batch.index)).toEqual(batch);
      }
    }
    const runId = redriven.runId as string;
    const content = await runContent(session, runId);
    if (fault.state === 'ReportTopShows') {
      // The failure stays on the run record as history (lastError, when, which execution); the rest is a clean run.
      const runRecord = content.find((item) => item.viewerId === '#run');
      expect(runRecord?.lastError).toEqual(recordAfterReportFailure.lastError);
      expect(runRecord?.executionName).toBe(name);
      for (const key of ['lastError', 'lastErrorAt', 'executionName']) delete runRecord?.[key];
    }
    expect(content).toEqual(await runContent(session, baseline.runId as string));
    const record = await getItem(session, { viewerId: '#run', runId });
    expect(record).toMatchObject({ status: 'PUBLISHED', published: true, liveRunId: runId });
    expect(record.error).toBeUndefined();
    // One training job, one model, one transform job: a failure never left a second one behind.
    const jobs = jobsOf(readRegistry(dataDir), runId);
    expect(jobs.training).toHaveLength(1);
    expect(jobs.models).toHaveLength(1);
    expect(jobs.transforms).toHaveLength(1);
    // Names carry the redrive count of the attempt that created them: r1 from the failed state on.
    const reruns = (state: string) => ORDER.indexOf(state) >= failedAt;
    expect(jobs.training[0]).toMatch(reruns('TrainModel') ? /-train-r1$/ : /-train-r0$/);
    expect(jobs.models[0]).toMatch(reruns('CreateModel') ? /-model-r1$/ : /-model-r0$/);
    expect(jobs.transforms[0]).toMatch(reruns('BatchRecommend') ? /-recs-r1$/ : /-recs-r0$/);
  });

  it.each([
    ['TrainModel', 'training', false],
    ['BatchRecommend', 'transforms', true],
  ] as const)(
    '%s fails while its job runs on: the redrive reuses that job instead of starting another',
    async (state, kind, settle) => {
      // Prepare: the first pass creates the job; every poll after it fails, so the execution fails at the state.
      const name = `reuse-${state.toLowerCase()}`;
      const failed = await session.start({ executionName: name, input: INPUT, failAt: parseFaultSpec(`${state}:2+`) });
      // Training is redriven while its job still runs (waited for); the transform once its job has finished (reused).
      if (settle) await session.stack.sagemaker.settle();

      // Act
      const redriven = await session.redrive(name);

      // Assess
      expect(failed.status).toBe('FAILED');
      expect(failed.failedState).toBe(state);
      expect(redriven.status, redriven.error).toBe('SUCCEEDED');
      const runId = redriven.runId as string;
      const jobs = jobsOf(readRegistry(dataDir), runId);
      expect(jobs[kind]).toHaveLength(1);
      expect(jobs[kind][0]).toMatch(/-r0$/);
      expect(await runContent(session, runId)).toEqual(await runContent(session, baseline.runId as string));
    },
  );

  it('a fault on one attempt only (STATE:N) is absorbed by the Retry, with no second job', async () => {
    const summary = await session.start({
      executionName: 'retry-trainmodel',
      input: INPUT,
      failAt: parseFaultSpec('TrainModel:1'),
    });

    expect(summary.status, summary.error).toBe('SUCCEEDED');
    expect(await runContent(session, summary.runId as string)).toEqual(
      await runContent(session, baseline.runId as string),
    );
    expect(jobsOf(readRegistry(dataDir), summary.runId as string).training).toHaveLength(1);
  });

  it('refuses to redrive a SUCCEEDED or unknown execution', async () => {
    await expect(session.redrive('baseline')).rejects.toThrow(/SUCCEEDED; only a FAILED execution/);
    await expect(session.redrive('no-such-run')).rejects.toThrow(/no execution named/);
  });

  it('racing: a newer run published, then an older run redriven to success, leaves the newer run live', async () => {
    // Prepare: the older run fails at Publish; a run started a second later (run ids are to the second) succeeds.
    const olderStart = new Date();
    const older = await session.start({
      executionName: 'race-a-older',
      input: INPUT,
      failAt: { state: 'Publish' },
      startTime: olderStart,
    });
    const newer = await session.start({
      executionName: 'race-b-newer',
      input: INPUT,
      startTime: new Date(olderStart.getTime() + 1000),
    });

    // Act
    const redriven = await session.redrive('race-a-older');

    // Assess
    expect(older.status).toBe('FAILED');
    expect(newer.status).toBe('SUCCEEDED');
    expect(redriven.status).toBe('SUCCEEDED');
    expect(String(newer.runId) > String(older.runId)).toBe(true);
    const live = await getItem(session, { viewerId: '#live', runId: '#' });
    expect(live.liveRunId).toBe(newer.runId);
    const olderRecord = await getItem(session, { viewerId: '#run', runId: older.runId as string });
    expect(olderRecord).toMatchObject({ status: 'SUPERSEDED', published: false, supersededBy: newer.runId });
    // The newer run's own record still says it is the live one.
    const newerRecord = await getItem(session, { viewerId: '#run', runId: newer.runId as string });
    expect(newerRecord).toMatchObject({ status: 'PUBLISHED', liveRunId: newer.runId });
  }, 180_000); // three executions
  it('counts each kind of bad warehouse row in the run record (and in a failed run’s record)', async () => {
    // Prepare: plant known bad rows next to the clean sample.
    const db = session.stack.warehouse;
    const account = (
      await db.query<{ partner: string; partner_user_id: string; viewer_id: string }>(
        'SELECT partner, partner_user_id, viewer_id FROM identity_map ORDER BY partner, partner_user_id LIMIT 2',
      )
    ).rows;
    const show = (await db.query<{ show_id: string }>('SELECT show_id FROM shows ORDER BY show_id LIMIT 1')).rows[0];
    const [a, b] = account;
    if (!a || !b || !show) throw new Error('the sample has no accounts or shows');
    const day = (offsetDays: number) => new Date(END.getTime() + offsetDays * 86_400_000).toISOString();
    const event = (partner: string, user: string | null, showId: string | null, at: string, seconds: number) =>
      db.query(
        'INSERT INTO viewership_events (partner, partner_user_id, show_id, started_at, watch_seconds) VALUES ($1, $2, $3, $4, $5)',
        [partner, user, showId, at, seconds],
      );
    await event(a.partner, a.partner_user_id, null, day(-1), 600); // nullIds
    await event(a.partner, null, show.show_id, day(-1), 600); // nullIds
    for (let i = 1; i <= 3; i++) await event(a.partner, a.partner_user_id, show.show_id, day(i), 600); // futureEvents
    await event(a.partner, a.partner_user_id, show.show_id, day(-2), 0); // nonPositiveWatchSeconds
    await event(a.partner, a.partner_user_id, show.show_id, day(-3), -10); // nonPositiveWatchSeconds
    for (let i = 0; i < 3; i++) await event(a.partner, a.partner_user_id, show.show_id, '2000-01-01', 1); // too old
    for (let i = 0; i < 3; i++) await event(b.partner, b.partner_user_id, show.show_id, day(-1.5), 300); // 2 duplicates
    await event('hulu', 'ghost-1', show.show_id, day(-1), 600); // unknownViewer
    await event('hulu', 'ghost-2', show.show_id, day(-1), 600); // unknownViewer
    await event(a.partner, a.partner_user_id, 'no-such-show', day(-1), 600); // unknownShow
    await event(b.partner, b.partner_user_id, show.show_id, day(-4), 100_000); // clampedWatchSeconds
    await db.query("INSERT INTO identity_map VALUES ('youtube', 'shared-1', $1), ('youtube', 'shared-1', $2)", [
      a.viewer_id,
      b.viewer_id,
    ]); // ambiguousIdentityAccounts
    await event('youtube', 'shared-1', show.show_id, day(-1), 600); // unknownViewer (ambiguous account)
    const before = (await getItem(session, { viewerId: '#run', runId: baseline.runId as string })).badRows as Record<
      string,
      number
    >;

    // Act
    const clean = await session.start({ executionName: 'bad-rows', input: INPUT });
    const failed = await session.start({
      executionName: 'bad-rows-failed',
      input: INPUT,
      failAt: { state: 'TrainModel' },
    });

    // Assess
    expect(clean.status, clean.error).toBe('SUCCEEDED');
    const after = (await getItem(session, { viewerId: '#run', runId: clean.runId as string })).badRows as Record<
      string,
      number
    >;
    const planted = {
      nullIds: 2,
      futureEvents: 3,
      nonPositiveWatchSeconds: 2,
      duplicateEvents: 2,
      unknownViewer: 3,
      unknownShow: 1,
      clampedWatchSeconds: 1,
      ambiguousIdentityAccounts: 1,
    };
    expect(Object.keys(after).sort()).toEqual(Object.keys(planted).sort());
    for (const [kind, count] of Object.entries(planted)) expect(after[kind], kind).toBe((before[kind] ?? 0) + count);
    const failedRecord = await getItem(session, { viewerId: '#run', runId: failed.runId as string });
    expect(failedRecord).toMatchObject({ status: 'FAILED', badRows: after });
  });

  it('a model collapsed by corrupted data (every event on one show) is stopped by the quality gate', async () => {
    // Prepare
    const live = await getItem(session, { viewerId: '#live', runId: '#' });
    const db = session.stack.warehouse;
    await db.exec('CREATE TABLE IF NOT EXISTS saved_events AS SELECT * FROM viewership_events');
    await db.exec('UPDATE viewership_events SET show_id = (SELECT MIN(show_id) FROM shows) WHERE show_id IS NOT NULL');

    // Act
    const summary = await session.start({ executionName: 'collapsed', input: INPUT });

    // Assess
    expect(summary.status).toBe('FAILED');
    expect(summary.error).toMatch(/^ModelRejected: /);
    expect(await getItem(session, { viewerId: '#live', runId: '#' })).toEqual(live);
    expect(await getItem(session, { viewerId: '#run', runId: summary.runId as string })).toMatchObject({
      status: 'FAILED',
      error: { Error: 'ModelRejected' },
    });
  });

  it('too few viewers, or an empty warehouse, fail at TrainModel and leave the live lists alone', async () => {
    // Prepare: 5 viewers' events only, then none.
    const live = await getItem(session, { viewerId: '#live', runId: '#' });
    const db = session.stack.warehouse;
    await db.exec('DELETE FROM viewership_events');
    await db.exec(`INSERT INTO viewership_events SELECT e.* FROM saved_events e JOIN identity_map i
      ON i.partner = e.partner AND i.partner_user_id = e.partner_user_id
      WHERE i.viewer_id IN (SELECT DISTINCT viewer_id FROM identity_map ORDER BY viewer_id LIMIT 5)`);

    // Act
    const few = await session.start({ executionName: 'few-viewers', input: INPUT });
    await db.exec('DELETE FROM viewership_events');
    const empty = await session.start({ executionName: 'empty-warehouse', input: INPUT });

    // Assess
    for (const summary of [few, empty]) {
      expect(summary.status).toBe('FAILED');
      expect(summary.failedState).toBe('TrainModel');
    }
    expect(few.error).toMatch(/viewers/i);
    expect(await getItem(session, { viewerId: '#live', runId: '#' })).toEqual(live);
  });
});
