/**
 * The ingester's own counters, served at `/metrics` in the Prometheus text format so that the
 * same Grafana that shows LLM cost can show whether the pipeline keeps up.
 *
 * Names follow Prometheus's naming rules (https://prometheus.io/docs/practices/naming/): base
 * units (seconds), `_total` on counters and only there, every family with HELP and TYPE. They
 * are a public contract, listed in docs/ingest.md ("Metrics"); `promtool check metrics` accepts
 * them (test/metrics-exposition.test.ts).
 */
import { Tables } from '@agentmeter/schema';

/** Upper bounds of the insert-duration buckets, in milliseconds (exposed in seconds). */
const INSERT_BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export class IngesterMetrics {
  spansReceived = 0;
  spansStored = 0;
  spansRejected = 0;
  spansIgnored = 0;
  spansDuplicate = 0;
  insertsFailed = 0;
  /** Inserts a previous process journaled and this one completed at start. */
  journalReplayed = 0;
  private readonly requests = new Map<number, number>();
  private readonly insertBuckets = new Array<number>(INSERT_BUCKETS_MS.length).fill(0);
  private insertCount = 0;
  private insertSumMs = 0;

  constructor(
    private readonly gauges: { pendingRows: () => number; rememberedSpans: () => number },
  ) {}

  request(status: number): void {
    this.requests.set(status, (this.requests.get(status) ?? 0) + 1);
  }

  /** One batch insert (all its attempts), `durationMs` milliseconds long. */
  insert(durationMs: number, ok: boolean): void {
    if (!ok) this.insertsFailed++;
    this.insertCount++;
    this.insertSumMs += durationMs;
    INSERT_BUCKETS_MS.forEach((le, i) => {
      if (durationMs <= le) this.insertBuckets[i]!++;
    });
  }

  /** Prometheus text exposition format 0.0.4. */
  render(): string {
    const lines: string[] = [];
    const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string) =>
      lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    const sample = (name: string, value: number, labels = '') =>
      lines.push(`${name}${labels} ${value}`);
    const counter = (name: string, help: string, value: number) => {
      family(name, 'counter', help);
      sample(name, value);
    };
    const gauge = (name: string, help: string, value: number) => {
      family(name, 'gauge', help);
      sample(name, value);
    };

    counter(
      'agentmeter_ingester_spans_received_total',
      'Spans received in OTLP requests.',
      this.spansReceived,
    );
    counter(
      'agentmeter_ingester_spans_stored_total',
      `LLM spans stored in ${Tables.SPANS}.`,
      this.spansStored,
    );
    counter(
      'agentmeter_ingester_spans_rejected_total',
      'Spans refused as invalid (partial success).',
      this.spansRejected,
    );
    counter(
      'agentmeter_ingester_spans_ignored_total',
      'Valid spans without LLM attributes, not stored.',
      this.spansIgnored,
    );
    counter(
      'agentmeter_ingester_spans_duplicate_total',
      'Spans dropped as already stored (retries).',
      this.spansDuplicate,
    );
    counter(
      'agentmeter_ingester_inserts_failed_total',
      'Batch inserts that failed.',
      this.insertsFailed,
    );
    counter(
      'agentmeter_ingester_journal_replayed_total',
      'Journaled inserts of a previous process completed at start (crash recovery).',
      this.journalReplayed,
    );
    family(
      'agentmeter_ingester_requests_total',
      'counter',
      'Requests answered by the OTLP receiver (not /healthz, /readyz, /metrics), by HTTP status code.',
    );
    for (const [status, n] of [...this.requests].sort((a, b) => a[0] - b[0])) {
      sample('agentmeter_ingester_requests_total', n, `{code="${status}"}`);
    }
    gauge(
      'agentmeter_ingester_pending_rows',
      'Rows accepted and not yet stored.',
      this.gauges.pendingRows(),
    );
    gauge(
      'agentmeter_ingester_dedupe_remembered_spans',
      'Span keys remembered by the de-duplicator.',
      this.gauges.rememberedSpans(),
    );
    const insert = 'agentmeter_ingester_insert_duration_seconds';
    family(insert, 'histogram', 'Duration of batch inserts (rollup views included), in seconds.');
    INSERT_BUCKETS_MS.forEach((le, i) =>
      sample(`${insert}_bucket`, this.insertBuckets[i]!, `{le="${le / 1000}"}`),
    );
    sample(`${insert}_bucket`, this.insertCount, '{le="+Inf"}');
    sample(`${insert}_sum`, this.insertSumMs / 1000);
    sample(`${insert}_count`, this.insertCount);
    return `${lines.join('\n')}\n`;
  }
}

/** HELP text escapes backslash and line feed (the text format's rule). */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
