/**
 * The insert journal: every batch insert is written here, with its deduplication token, before
 * it is sent, and forgotten once ClickHouse has applied it (or refused what it holds).
 *
 * Why: one INSERT into `llm_spans` also writes the three rollups through materialized views, and
 * those writes are not atomic with each other. A process killed mid-insert can leave the raw part
 * committed and a rollup part not; the sender's retry is then (rightly) dropped as a duplicate, and
 * the rollup would stay short forever. Replaying the journaled insert with its original token makes
 * ClickHouse skip every part it already has and write the ones it lacks, in `llm_spans` and in
 * each rollup (measured on the engine: a re-insert with the same token fills a view that missed the
 * block and adds nothing where it is present). So raw and rollups agree after any crash.
 *
 * Files are written whole and renamed into place, so a crash while writing leaves a `.tmp` file
 * that is deleted at open, never a torn entry. Writes are synchronous on purpose: measured under
 * 16 concurrent senders, the five awaited file operations of one entry waited 50–350 ms for turns
 * of the busy event loop (the insert itself took 220–460 ms); written at once, an entry of 8,000
 * rows blocks the loop for a few milliseconds. They are not fsynced: they survive the process
 * (kill -9, OOM kill), not a power loss, the same durability as ClickHouse's own parts under its
 * default `fsync_after_insert = 0`.
 */
import { closeSync, openSync, renameSync, unlinkSync, writevSync } from 'node:fs';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '@agentmeter/store';

export interface JournalEntry {
  /** File name; entries replay in name order (oldest first). */
  readonly id: string;
  readonly token: string;
  readonly table: string;
  readonly columns: readonly string[];
  /** The insert's data, JSONCompactEachRow. */
  readonly body: string;
}

interface Header {
  version: 1;
  token: string;
  table: string;
  columns: readonly string[];
}

const SUFFIX = '.insert';
const TMP = '.tmp';

export class InsertJournal {
  private sequence = 0;

  private constructor(readonly dir: string) {}

  /** Opens (creating) the journal directory and removes entries that were never completed writing. */
  static async open(dir: string): Promise<InsertJournal> {
    try {
      await mkdir(dir, { recursive: true });
      for (const name of await readdir(dir)) {
        if (name.endsWith(TMP)) await unlink(join(dir, name));
      }
    } catch (err) {
      throw new ConfigError('the insert journal', [
        {
          path: 'ingester.journalDir',
          message: `cannot use ${dir} (${(err as Error).message}): give a writable directory that outlives the process`,
        },
      ]);
    }
    return new InsertJournal(dir);
  }

  /** Writes an entry; returns its id once it is in place. */
  record(entry: Omit<JournalEntry, 'id'>): string {
    // Time first so that entries of successive processes sort in order; the counter orders one
    // process's entries within a millisecond.
    const id = `${String(Date.now()).padStart(15, '0')}-${String(this.sequence++).padStart(9, '0')}${SUFFIX}`;
    const header: Header = {
      version: 1,
      token: entry.token,
      table: entry.table,
      columns: entry.columns,
    };
    const tmp = join(this.dir, id + TMP);
    const fd = openSync(tmp, 'w');
    try {
      writevSync(fd, [Buffer.from(JSON.stringify(header) + '\n'), Buffer.from(entry.body)]);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, id));
    return id;
  }

  forget(id: string): void {
    try {
      unlinkSync(join(this.dir, id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /** Entries not yet forgotten, oldest first. */
  async pending(): Promise<JournalEntry[]> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith(SUFFIX)).sort();
    const entries: JournalEntry[] = [];
    for (const id of names) {
      const text = await readFile(join(this.dir, id), 'utf8');
      const newline = text.indexOf('\n');
      const header = JSON.parse(text.slice(0, newline)) as Header;
      entries.push({
        id,
        token: header.token,
        table: header.table,
        columns: header.columns,
        body: text.slice(newline + 1),
      });
    }
    return entries;
  }
}
