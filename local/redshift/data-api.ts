import { randomUUID } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PGlite } from '@electric-sql/pglite';
import { readLines } from '../../functions/write-recs/lines.js';
import { TaskError } from '../errors.js';
import { deleteKeys, listAll, putObject } from '../s3-io.js';
import { copyFromBlobSql, csvRecord, isCopy, parseCopy, rowValues } from './copy.js';
import { isUnload, parseUnload, renderParts } from './unload.js';

/**
 * The Redshift Data API played on PGlite: statements run asynchronously and DescribeStatement reports
 * SUBMITTED → STARTED → FINISHED, or FAILED with the Postgres error, as the real API does.
 */

type Status = 'SUBMITTED' | 'PICKED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';

interface SubStatement {
  Id: string;
  QueryString: string;
  Status: Status;
  Error?: string;
  CreatedAt: string;
  UpdatedAt: string;
  Duration: number;
  HasResultSet: boolean;
  ResultRows: number;
  ResultSize: number;
  RedshiftQueryId: number;
}

interface Statement {
  Id: string;
  Status: Status;
  Error?: string;
  CreatedAt: string;
  UpdatedAt: string;
  Duration: number;
  QueryString: string;
  HasResultSet: boolean;
  ResultRows: number;
  ResultSize: number;
  RedshiftPid: number;
  RedshiftQueryId: number;
  Database?: string;
  DbUser?: string;
  ClusterIdentifier?: string;
  WorkgroupName?: string;
  SecretArn?: string;
  SubStatements?: SubStatement[];
  // Raw rows of the last SELECT, for GetStatementResult.
  rows?: Record<string, unknown>[];
}

/** Redshift parts per UNLOAD (one per slice of a small cluster). */
const UNLOAD_SLICES = 2;
/** Rows per INSERT when COPY loads JSON Lines (bind parameters stay far below Postgres' 65535). */
// Rows per Postgres COPY: large enough that per-statement cost vanishes, small enough to keep memory flat.
const COPY_BATCH_ROWS = 50_000;

// Postgres text → the JSON types Redshift writes: bigint and numeric as numbers, timestamps as 'YYYY-MM-DD HH:MM:SS'.
const PARSERS = {
  20: (value: string) => Number(value),
  1700: (value: string) => Number(value),
  1114: (value: string) => value,
  1184: (value: string) => value,
  1082: (value: string) => value,
} as const;

interface ExecuteInput {
  Sql?: string;
  Sqls?: string[];
  Database?: string;
  DbUser?: string;
  ClusterIdentifier?: string;
  WorkgroupName?: string;
  SecretArn?: string;
  Parameters?: { name: string; value: string }[];
}

export class RedshiftDataEmulator {
  private readonly statements = new Map<string, Statement>();
  private queue: Promise<void> = Promise.resolve();
  private queryCounter = 1000;

  constructor(
    private readonly db: PGlite,
    private readonly s3: S3Client,
    /** Runs an UNLOAD's or COPY's S3 work as the role its IAM_ROLE names (local/iam); default: as is. */
    private readonly actAs: <T>(roleArn: string | undefined, work: () => Promise<T>) => Promise<T> = (_, work) =>
      work(),
  ) {}

  /** Resolves when every submitted statement has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }

  executeStatement(input: ExecuteInput): Record<string, unknown> {
    if (!input.Sql) throw validation('Sql is required');
    return this.submit([input.Sql], input, false);
  }

  batchExecuteStatement(input: ExecuteInput): Record<string, unknown> {
    if (!input.Sqls?.length) throw validation('Sqls must hold 1 to 40 statements');
    if (input.Sqls.length > 40) throw validation('Sqls must hold 1 to 40 statements');
    return this.submit(input.Sqls, input, true);
  }

  describeStatement(input: { Id?: string }): Record<string, unknown> {
    const statement = input.Id ? this.statements.get(input.Id.split(':')[0] ?? '') : undefined;
    if (!statement) throw new TaskError('RedshiftData.ResourceNotFoundException', `Query does not exist: ${input.Id}`);
    const { rows: _rows, ...described } = statement;
    return structuredClone(described) as Record<string, unknown>;
  }

  getStatementResult(input: { Id?: string }): Record<string, unknown> {
    const statement = input.Id ? this.statements.get(input.Id) : undefined;
    if (!statement) throw new TaskError('RedshiftData.ResourceNotFoundException', `Query does not exist: ${input.Id}`);
    const rows = statement.rows ?? [];
    const columns = Object.keys(rows[0] ?? {});
    return {
      ColumnMetadata: columns.map((name) => ({ name, label: name })),
      Records: rows.map((row) => columns.map((column) => field(row[column]))),
      TotalNumRows: rows.length,
    };
  }

  private submit(sqls: string[], input: ExecuteInput, isBatch: boolean): Record<string, unknown> {
    const now = new Date().toISOString();
    const id = randomUUID();
    const statement: Statement = {
      Id: id,
      Status: 'SUBMITTED',
      CreatedAt: now,
      UpdatedAt: now,
      Duration: -1,
      QueryString: isBatch ? '' : (sqls[0] ?? ''),
      HasResultSet: false,
      ResultRows: -1,
      ResultSize: -1,
      RedshiftPid: 1073741824,
      RedshiftQueryId: 0,
      ...pick(input),
    };
    if (isBatch) {
      statement.SubStatements = sqls.map((sql, index) => ({
        Id: `${id}:${index + 1}`,
        QueryString: sql,
        Status: 'SUBMITTED',
        CreatedAt: now,
        UpdatedAt: now,
        Duration: -1,
        HasResultSet: false,
        ResultRows: -1,
        ResultSize: -1,
        RedshiftQueryId: 0,
      }));
    }
    this.statements.set(id, statement);
    // PGlite is one connection: statements run one after another, like a WLM queue with one slot.
    this.queue = this.queue.then(() => this.run(statement, sqls, input.Parameters));
    return { Id: id, CreatedAt: now, ...pick(input) };
  }

  private async run(statement: Statement, sqls: string[], parameters?: ExecuteInput['Parameters']): Promise<void> {
    const started = performance.now();
    this.update(statement, { Status: 'STARTED', RedshiftQueryId: ++this.queryCounter });
    const subs = statement.SubStatements;
    let current = -1;
    try {
      // A batch is one transaction, as the Data API runs it.
      await this.db.exec('BEGIN');
      let rowsTotal = 0;
      for (const [index, sql] of sqls.entries()) {
        current = index;
        const sub = subs?.[index];
        const subStarted = performance.now();
        if (sub) this.updateSub(statement, sub, { Status: 'STARTED', RedshiftQueryId: ++this.queryCounter });
        const { rows, hasResultSet } = await this.runOne(sql, parameters);
        rowsTotal += rows.length;
        if (!subs) Object.assign(statement, { rows, HasResultSet: hasResultSet });
        if (sub)
          this.updateSub(statement, sub, {
            Status: 'FINISHED',
            Duration: Math.round((performance.now() - subStarted) * 1e6),
            HasResultSet: hasResultSet,
            ResultRows: rows.length,
            ResultSize: 0,
          });
      }
      await this.db.exec('COMMIT');
      this.update(statement, {
        Status: 'FINISHED',
        Duration: Math.round((performance.now() - started) * 1e6),
        ResultRows: rowsTotal,
        ResultSize: 0,
      });
    } catch (error) {
      await this.db.exec('ROLLBACK').catch(() => undefined);
      const message = `ERROR: ${(error as Error).message}`;
      subs?.forEach((sub, index) => {
        if (index === current) this.updateSub(statement, sub, { Status: 'FAILED', Error: message });
        else if (index > current) this.updateSub(statement, sub, { Status: 'ABORTED' });
      });
      this.update(statement, {
        Status: 'FAILED',
        Error: message,
        Duration: Math.round((performance.now() - started) * 1e6),
      });
    }
  }

  private async runOne(
    sql: string,
    parameters?: ExecuteInput['Parameters'],
  ): Promise<{ rows: Record<string, unknown>[]; hasResultSet: boolean }> {
    const { text, values } = bindParameters(sql, parameters);
    const role = /\bIAM_ROLE\s+'([^']+)'/i.exec(text)?.[1];
    if (isUnload(text)) {
      await this.actAs(role, () => this.unload(text, values));
      return { rows: [], hasResultSet: false };
    }
    if (isCopy(text)) {
      await this.actAs(role, () => this.copy(text));
      return { rows: [], hasResultSet: false };
    }
    if (values.length === 0) {
      const results = await this.db.exec(text, { parsers: PARSERS });
      const last = results.at(-1);
      return { rows: (last?.rows ?? []) as Record<string, unknown>[], hasResultSet: (last?.fields.length ?? 0) > 0 };
    }
    const result = await this.db.query<Record<string, unknown>>(text, values, { parsers: PARSERS });
    return { rows: result.rows, hasResultSet: result.fields.length > 0 };
  }

  private async unload(sql: string, values: unknown[]): Promise<void> {
    const statement = parseUnload(sql);
    const existing = await listAll(this.s3, statement.bucket, statement.prefix);
    if (existing.length > 0 && statement.cleanPath) {
      await deleteKeys(
        this.s3,
        statement.bucket,
        existing.map((object) => object.Key),
      );
    } else if (existing.length > 0 && !statement.allowOverwrite) {
      throw new Error(
        'Specified unload destination on S3 is not empty. Consider using a different bucket / prefix, manually removing the target files in S3, or using the ALLOWOVERWRITE option.',
      );
    }
    const result = await this.db.query<Record<string, unknown>>(statement.select, values, { parsers: PARSERS });
    const columns = result.fields.map((f) => f.name);
    for (const part of renderParts(statement, columns, result.rows, UNLOAD_SLICES)) {
      await putObject(this.s3, statement.bucket, part.key, part.body);
    }
  }

  // Streams each object under the prefix line by line, so a large load never sits in memory whole.
  private async copy(sql: string): Promise<number> {
    const statement = parseCopy(sql);
    const objects = await listAll(this.s3, statement.bucket, statement.prefix);
    if (objects.length === 0) {
      throw new Error(`The specified S3 prefix '${statement.prefix}' does not exist`);
    }
    const columns = statement.columns.length > 0 ? statement.columns : await this.tableColumns(statement.table);
    const copySql = copyFromBlobSql(statement.table, columns);
    let batch: string[] = [];
    let loaded = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await this.db.query(copySql, [], { blob: new Blob([`${batch.join('\n')}\n`]) });
      loaded += batch.length;
      batch = [];
    };
    for (const object of objects) {
      const body = (await this.s3.send(new GetObjectCommand({ Bucket: statement.bucket, Key: object.Key }))).Body;
      if (!body) continue;
      for await (const line of readLines(body as AsyncIterable<Uint8Array>, 4 * 1024 * 1024)) {
        if (line.isTooLong) throw new Error(`COPY: line ${line.lineNumber} of ${object.Key} exceeds 4 MB`);
        const values = rowValues(statement, columns, line.text);
        if (!values) continue;
        batch.push(csvRecord(values));
        if (batch.length >= COPY_BATCH_ROWS) await flush();
      }
    }
    await flush();
    // Redshift refreshes a table's statistics after a COPY (STATUPDATE, automatic analyze); without them the
    // local planner misjudges the loaded table and the report query runs ~40 % slower (measured at 200k rows).
    await this.db.exec(`ANALYZE ${statement.table}`);
    return loaded;
  }

  private async tableColumns(table: string): Promise<string[]> {
    const [schema, name] = table.includes('.') ? table.split('.') : ['public', table];
    const { rows } = await this.db.query<{ column_name: string }>(
      'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [schema?.toLowerCase(), name?.toLowerCase()],
    );
    if (rows.length === 0) throw new Error(`relation "${table}" does not exist`);
    return rows.map((row) => row.column_name);
  }

  private update(statement: Statement, patch: Partial<Statement>): void {
    Object.assign(statement, patch, { UpdatedAt: new Date().toISOString() });
  }

  private updateSub(statement: Statement, sub: SubStatement, patch: Partial<SubStatement>): void {
    Object.assign(sub, patch, { UpdatedAt: new Date().toISOString() });
    statement.UpdatedAt = sub.UpdatedAt;
  }
}

function pick(input: ExecuteInput): Partial<Statement> {
  const out: Partial<Statement> = {};
  if (input.Database) out.Database = input.Database;
  if (input.DbUser) out.DbUser = input.DbUser;
  if (input.ClusterIdentifier) out.ClusterIdentifier = input.ClusterIdentifier;
  if (input.WorkgroupName) out.WorkgroupName = input.WorkgroupName;
  if (input.SecretArn) out.SecretArn = input.SecretArn;
  return out;
}

function validation(message: string): TaskError {
  return new TaskError('RedshiftData.ValidationException', message);
}

function field(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return { isNull: true };
  if (typeof value === 'number') return Number.isInteger(value) ? { longValue: value } : { doubleValue: value };
  if (typeof value === 'boolean') return { booleanValue: value };
  return { stringValue: String(value) };
}

/**
 * Data API named parameters (`:name`) → Postgres positional ones (`$1`), numbered in order of first use so
 * unused parameters are not bound. Quoted text, casts (`::int`) and comments are left alone (comments dropped,
 * since a placeholder inside one would still count for Postgres).
 */
export function bindParameters(
  sql: string,
  parameters: ExecuteInput['Parameters'] = [],
): { text: string; values: unknown[] } {
  if (parameters.length === 0) return { text: sql, values: [] };
  const given = new Map(parameters.map((p) => [p.name, p.value]));
  const order: string[] = [];
  const token = /('(?:[^']|'')*')|("(?:[^"]|"")*")|(--[^\n]*)|(\/\*[\s\S]*?\*\/)|(::)|:([A-Za-z_]\w*)/g;
  const text = sql.replace(token, (match, single, double, line, block, cast, name: string | undefined) => {
    if (line !== undefined || block !== undefined) return '';
    if (single !== undefined || double !== undefined || cast !== undefined || name === undefined) return match;
    if (!given.has(name))
      throw new TaskError('RedshiftData.ValidationException', `SQL parameter :${name} has no value`);
    let index = order.indexOf(name);
    if (index < 0) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  return { text, values: order.map((name) => given.get(name)) };
}
