import { defineCommand } from 'citty';
import { checkFlags } from './run.js';

const ARGS = {
  json: {
    type: 'boolean',
    description: 'print { "statements": [{ role, actions, resources, neededBy }] } as the last stdout line',
    default: false,
  },
} as const;

// The smallest sample whose model still passes the quality gate, so every state after it runs too.
const AUDIT_VIEWERS = 120;
const AUDIT_SHOWS = 30;

/** `recs iam-audit`: removes each IAM statement in turn, reruns the local scenario, and says what needed it. */
export default defineCommand({
  meta: {
    name: 'iam-audit',
    description:
      'Prove each IAM statement of the stack: run the pipeline (and the HTTP functions) without it and report the step that failed, or that nothing needed it.',
  },
  args: ARGS,
  async run({ args, rawArgs }) {
    checkFlags(rawArgs, Object.keys(ARGS));
    const { auditIam } = await import('../../local/iam/audit.js');
    const today = new Date();
    const endDate = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate()));
    const report = await auditIam({
      sample: { viewers: AUDIT_VIEWERS, shows: AUDIT_SHOWS, days: 14, seed: 3, endDate },
      input: { asOf: endDate.toISOString() },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    if (args.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      for (const s of report.statements) {
        const name = `${s.role}${s.sid ? `/${s.sid}` : ''}`;
        process.stdout.write(
          `${name.padEnd(48)} ${(s.neededBy ?? '— nothing needed it').padEnd(40)} ${s.actions.join(', ')}\n`,
        );
      }
      const unused = report.statements.filter((s) => s.neededBy === null).length;
      process.stdout.write(
        `\n${report.statements.length} statements, ${unused} needed by nothing locally; ${report.runs} runs in ${report.seconds}s\n`,
      );
    }
  },
});
