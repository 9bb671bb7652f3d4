import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../_shared/errors.js';
import { defaultWeek, reportWindow, weekStart, weekStatuses } from './report.js';

// The clock is pinned in every case: asOf is the last second the report covers.
describe('weekStart', () => {
  it('finds the start of the week on the configured day', () => {
    const wednesday = new Date('2024-03-13T12:00:00Z');

    expect(weekStart(wednesday).toISOString()).toBe('2024-03-11T00:00:00.000Z');
    expect(weekStart(wednesday, 'sunday').toISOString()).toBe('2024-03-10T00:00:00.000Z');
    expect(weekStart(wednesday, 'wednesday').toISOString()).toBe('2024-03-13T00:00:00.000Z');
    expect(weekStart(wednesday, 'thursday').toISOString()).toBe('2024-03-07T00:00:00.000Z');
  });
});

describe('weekStatuses and defaultWeek', () => {
  it('mid-week: the current week is to date and the report opens on the week before', () => {
    const weeks = weekStatuses(reportWindow(new Date('2024-03-13T12:00:00Z'), 3));

    expect(weeks).toEqual([
      { weekStart: '2024-02-26', isComplete: true, throughDate: '2024-03-03' },
      { weekStart: '2024-03-04', isComplete: true, throughDate: '2024-03-10' },
      { weekStart: '2024-03-11', isComplete: false, throughDate: '2024-03-13' },
    ]);
    expect(defaultWeek(weeks, new Set(['2024-02-26', '2024-03-04', '2024-03-11']))).toBe('2024-03-04');
  });

  it('at the week boundary: the last second completes the week, the next second starts a new one', () => {
    const sunday = weekStatuses(reportWindow(new Date('2024-03-17T23:59:59Z'), 2));
    const monday = weekStatuses(reportWindow(new Date('2024-03-18T00:00:00Z'), 2));

    expect(sunday.map((w) => [w.weekStart, w.isComplete])).toEqual([
      ['2024-03-04', true],
      ['2024-03-11', true],
    ]);
    expect(defaultWeek(sunday, new Set(['2024-03-04', '2024-03-11']))).toBe('2024-03-11');
    expect(monday.map((w) => [w.weekStart, w.isComplete])).toEqual([
      ['2024-03-11', true],
      ['2024-03-18', false],
    ]);
    expect(defaultWeek(monday, new Set(['2024-03-11', '2024-03-18']))).toBe('2024-03-11');
  });

  it('on the first day of data: no complete week has views, so it opens on the week to date', () => {
    const weeks = weekStatuses(reportWindow(new Date('2024-02-28T12:00:00Z'), 2));

    expect(defaultWeek(weeks, new Set(['2024-02-26']))).toBe('2024-02-26');
    expect(weeks.at(-1)).toEqual({ weekStart: '2024-02-26', isComplete: false, throughDate: '2024-02-28' });
  });

  it('with no views at all, opens on the newest week', () => {
    const weeks = weekStatuses(reportWindow(new Date('2024-02-28T12:00:00Z'), 2));

    expect(defaultWeek(weeks, new Set())).toBe('2024-02-26');
  });

  it('rejects a week start day it does not know', () => {
    expect(() => reportWindow(new Date('2024-02-28T12:00:00Z'), 2, 'someday' as 'monday')).toThrow(InvalidInputError);
  });
});
