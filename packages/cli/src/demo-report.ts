/**
 * What `agentmeter demo` tells its user: a progress line while it sends (in place on a terminal,
 * one line every few seconds otherwise) and a summary at the end, from counts of what the
 * ingester accepted and of what the simulated calls cost at catalog prices.
 */
import type { PriceCallInput, PriceCatalog } from '@agentmeter/pricing';
import type { Clock } from '@agentmeter/conventions';
import { Tables } from '@agentmeter/schema';
import type { DemoExporter } from './demo-exporter.js';

/** Where the demo writes: stdout, or a test's capture. */
export interface DemoOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/** What the demo sent and what became of it. */
export interface DemoReport {
  sent: number;
  accepted: number;
  rejected: number;
  /** The simulated calls' cost at catalog prices, integer nano-USD. */
  costNanos: number;
  /** Calls the catalog has no price for (the private fine-tune). */
  unpriced: number;
  durationMs: number;
  /** Why spans were rejected (refused, or not delivered), as one of the exports last saw it. */
  lastError: string | undefined;
}

/** Off a terminal, one progress line per this much (demo) time. */
const PROGRESS_EVERY_MS = 10_000;

export class DemoTally {
  private sent = 0;
  private costNanos = 0;
  private unpriced = 0;
  private readonly startedAt: number;
  private lastLine: { at: number; sent: number };
  /** A progress line is on the terminal, not yet ended. */
  private drawn = false;

  constructor(
    private readonly out: DemoOutput,
    private readonly clock: Clock,
    private readonly catalog: PriceCatalog,
    private readonly exporters: readonly DemoExporter[],
  ) {
    this.startedAt = clock.now();
    this.lastLine = { at: this.startedAt, sent: 0 };
  }

  /** One simulated call was sent; `billed` is its usage, undefined for a failed call. */
  sentCall(billed: PriceCallInput | undefined): void {
    this.sent++;
    if (!billed) return;
    const price = this.catalog.priceCall(billed);
    if (price.priced) this.costNanos += price.costNanos;
    else this.unpriced++;
  }

  /** The live spans begin: the rate counts from here, not over the history sent at once. */
  beginLive(): void {
    this.lastLine = { at: this.clock.now(), sent: this.sent };
  }

  /** Writes the progress line when it is due. */
  progress(): void {
    const now = this.clock.now();
    if (!this.out.isTTY && now - this.lastLine.at < PROGRESS_EVERY_MS) return;
    const seconds = (now - this.lastLine.at) / 1000;
    const rate = seconds > 0 ? Math.round((this.sent - this.lastLine.sent) / seconds) : 0;
    const line = `demo: ${n(this.sent)} spans sent, ${n(rate)}/s, ${n(this.counts().rejected)} rejected`;
    this.lastLine = { at: now, sent: this.sent };
    if (this.out.isTTY) {
      this.out.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else this.out.write(`${line}\n`);
  }

  /** Call once the exporters are shut down: every export has its result. */
  summary(database: string): DemoReport {
    const report: DemoReport = {
      sent: this.sent,
      ...this.counts(),
      costNanos: this.costNanos,
      unpriced: this.unpriced,
      durationMs: this.clock.now() - this.startedAt,
    };
    const unpriced =
      report.unpriced > 0 ? `; ${n(report.unpriced)} calls have no catalog price` : '';
    const query = `SELECT service_name, count() AS spans, round(sum(cost_usd), 2) AS usd FROM ${database}.${Tables.SPANS} GROUP BY service_name ORDER BY usd DESC`;
    this.out.write(
      (this.drawn ? '\n' : '') +
        `demo: done in ${duration(report.durationMs)}: ${n(report.sent)} spans sent, ${n(report.accepted)} accepted, ${n(report.rejected)} rejected\n` +
        (report.lastError ? `  last error: ${report.lastError}\n` : '') +
        `  simulated cost: $${(report.costNanos / 1e9).toFixed(2)} at catalog prices${unpriced}\n` +
        `  see it: npm run agentmeter -- sql "${query}"\n`,
    );
    return report;
  }

  private counts(): Pick<DemoReport, 'accepted' | 'rejected' | 'lastError'> {
    const sum = (f: (e: DemoExporter) => number) =>
      this.exporters.reduce((total, e) => total + f(e), 0);
    return {
      accepted: sum((e) => e.accepted),
      rejected: sum((e) => e.rejected),
      lastError: this.exporters.find((e) => e.lastError)?.lastError,
    };
  }
}

const n = (value: number): string => value.toLocaleString('en-US');

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}
