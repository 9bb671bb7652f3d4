import { describe, expect, it } from 'vitest';
import { assetModules } from '../../scripts/gen-report-assets.js';
import * as chartJs from './chart-js.generated.js';
import * as assignmentSql from './experiment-assignment-sql.generated.js';
import * as experimentSql from './report-experiment-sql.generated.js';
import * as reportSql from './report-sql.generated.js';

const modules: Record<string, Record<string, unknown>> = {
  'chart-js.generated.ts': chartJs,
  'report-sql.generated.ts': reportSql,
  'experiment-assignment-sql.generated.ts': assignmentSql,
  'report-experiment-sql.generated.ts': experimentSql,
};

describe('generated asset modules', () => {
  it.each(assetModules().map((m) => [m.file, m] as const))(
    '%s holds its source (else npm run gen:report-assets)',
    (file, m) => {
      const stale = `${file} is stale: npm run gen:report-assets`;

      expect(modules[file]?.[m.exportName] === m.value, stale).toBe(true);
    },
  );
});
