import type { Connection } from 'pg';

/** A row as PostgreSQL sent it: each column's text, or null for NULL. */
export type TextRow = (string | null)[];

/** What `pg`'s connection keeps of the named statements it prepared (not in its typings). */
interface StatementCache {
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
}

/**
 * One execution of a named prepared statement on a `pg` client (`client.query(statement)`, pg's
 * "submittable" interface, as pg-cursor uses it), for a caller that knows its columns: the values
 * go as the text given (the caller writes them), the rows come back as their columns' text.
 * Unlike pg's `Query`: no Describe of the portal on every execution (so no RowDescription to
 * parse), no `Result`, no type parsers, no promise — the callback is called once, from the
 * socket's data handler (bench/README.md, "The lone caller, session 7").
 */
export class TextStatement {
  private readonly rows: TextRow[] = [];
  private done = false;

  /**
   * `callback` is a field that `pg` wraps when it times the statement out (query_timeout): it is
   * called with the timeout's error then, and never again.
   */
  constructor(readonly name: string, readonly text: string, private readonly values: (string | null)[], public callback: (err: Error | undefined, rows: TextRow[]) => void) {}

  /** Parse (the first time on this connection), Bind, Execute, Sync: one write. */
  submit(connection: Connection): void {
    const cache = connection as unknown as StatementCache;
    const stream = connection.stream as { cork?(): void; uncork?(): void };
    stream.cork?.();
    try {
      if (cache.parsedStatements[this.name] === undefined && cache.submittedNamedStatements[this.name] === undefined) {
        connection.parse({ name: this.name, text: this.text, types: [] }, false);
        cache.submittedNamedStatements[this.name] = this.text;
      }
      connection.bind({ statement: this.name, values: this.values }, false);
      connection.execute(null, false);
      connection.sync();
    } finally {
      stream.uncork?.();
    }
  }

  handleDataRow(msg: { fields: TextRow }): void {
    this.rows.push(msg.fields);
  }

  handleReadyForQuery(): void {
    this.finish(undefined);
  }

  handleError(err: Error): void {
    this.finish(err);
  }

  handleCopyInResponse(connection: { sendCopyFail(message: string): void }): void {
    connection.sendCopyFail('not a COPY statement');
  }

  // Nothing to do for these: no Describe is sent, the portal is read whole, the text is not empty.
  handleRowDescription(): void {}
  handleCommandComplete(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}

  private finish(err: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    this.callback(err, this.rows);
  }
}

/** The elements of a PostgreSQL array's text form of integers (`{1,NULL,3}`): numbers, null for NULL. */
export function integerArray(text: string): (number | null)[] {
  if (text.length <= 2) return [];
  return text.slice(1, -1).split(',').map((e) => (e === 'NULL' ? null : Number(e)));
}

/**
 * A PostgreSQL array literal built element by element (`{"a",NULL,3}`): a statement's array
 * parameter sent as text, without an array of the values first. Strings are quoted, with `"`
 * and `\` escaped (as pg does for an array it is given).
 */
export class ArrayLiteral {
  private body = '';
  private empty = true;

  text(value: string | null | undefined): this {
    return this.add(value == null ? 'NULL' : `"${value.replace(/[\\"]/g, '\\$&')}"`);
  }

  number(value: number | null | undefined): this {
    return this.add(value == null ? 'NULL' : String(value));
  }

  toString(): string {
    return `{${this.body}}`;
  }

  private add(element: string): this {
    this.body = this.empty ? element : `${this.body},${element}`;
    this.empty = false;
    return this;
  }
}
