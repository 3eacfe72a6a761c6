/**
 * The ingester's own counters, served at `/metrics` in the Prometheus text format so that the
 * same Grafana that shows LLM cost can show whether the pipeline keeps up.
 */
import { Tables } from '@agentmeter/schema';

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
    const counter = (name: string, help: string, value: number) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
    const gauge = (name: string, help: string, value: number) =>
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
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
    lines.push('# HELP agentmeter_ingester_requests_total OTLP requests by HTTP status.');
    lines.push('# TYPE agentmeter_ingester_requests_total counter');
    for (const [status, n] of [...this.requests].sort((a, b) => a[0] - b[0])) {
      lines.push(`agentmeter_ingester_requests_total{code="${status}"} ${n}`);
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
    lines.push(
      '# HELP agentmeter_ingester_insert_duration_ms Duration of batch inserts (rollup views included).',
    );
    lines.push('# TYPE agentmeter_ingester_insert_duration_ms histogram');
    INSERT_BUCKETS_MS.forEach((le, i) =>
      lines.push(
        `agentmeter_ingester_insert_duration_ms_bucket{le="${le}"} ${this.insertBuckets[i]}`,
      ),
    );
    lines.push(`agentmeter_ingester_insert_duration_ms_bucket{le="+Inf"} ${this.insertCount}`);
    lines.push(`agentmeter_ingester_insert_duration_ms_sum ${this.insertSumMs}`);
    lines.push(`agentmeter_ingester_insert_duration_ms_count ${this.insertCount}`);
    return `${lines.join('\n')}\n`;
  }
}
