/**
 * The rules the service runs: the rule files (or, without files, the default pack), overlaid
 * by what the API changed — rules created or replaced (`PUT`), removed, enabled or disabled —
 * which is kept in `alert_rules` (schema v4) and read back at start. A rule sent to the API is
 * validated exactly as a rule file: the same loader, the same problems.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { parse as parseYaml } from 'yaml';
import type { Clock } from '@agentmeter/conventions';
import { Tables } from '@agentmeter/schema';
import { queryRows } from '@agentmeter/store';
import { RuleRejected, type RuleAdmin } from './api.js';
import {
  defaultRules,
  loadRuleFiles,
  mergeRulePacks,
  parseRules,
  RuleFileError,
  type Rule,
} from './rules/index.js';

export interface RuleStoreOptions {
  client: Pick<ClickHouseClient, 'query' | 'insert'>;
  database: string;
  ruleFiles: readonly string[];
  /** The default pack beside the files (default: only when there are no rule files). */
  defaultRules?: boolean;
  clock: Clock;
}

/** One change made through the API, as stored. */
interface Override {
  /** Rule-file syntax of a rule group holding the one rule; '' when only `enabled` changed. */
  spec: string;
  enabled: boolean;
  deleted: boolean;
}

const API_SOURCE = 'api';

export class RuleStore implements RuleAdmin {
  private readonly overrides = new Map<string, Override>();
  private readonly listeners: ((rules: Rule[]) => Promise<void> | void)[] = [];

  private constructor(
    private readonly o: RuleStoreOptions,
    private readonly base: readonly Rule[],
    private readonly sources: ReadonlyMap<string, string>,
  ) {}

  /** Loads the files (a typo refuses the start) and the API's changes. */
  static async open(o: RuleStoreOptions): Promise<RuleStore> {
    const useDefaults = o.defaultRules ?? o.ruleFiles.length === 0;
    const user = o.ruleFiles.length > 0 ? loadRuleFiles(o.ruleFiles) : { rules: [], disabled: [] };
    const base = useDefaults ? mergeRulePacks(defaultRules(), user) : [...user.rules];
    const sources = new Map(base.map((r) => [r.id, r.source]));
    const store = new RuleStore(o, base, sources);
    const rows = await queryRows<{
      name: string;
      spec: string;
      enabled: boolean;
      deleted: boolean;
    }>(
      o.client,
      `SELECT name, spec, enabled, deleted FROM ${o.database}.${Tables.ALERT_RULES} FINAL`,
    );
    for (const r of rows)
      store.overrides.set(r.name, { spec: r.spec, enabled: r.enabled, deleted: r.deleted });
    return store;
  }

  /** The rules to run now, disabled ones included (the manager skips them). */
  rules(): Rule[] {
    const byId = new Map(this.base.map((r) => [r.id, r]));
    for (const [id, change] of this.overrides) {
      if (change.deleted) {
        byId.delete(id);
        continue;
      }
      const rule = change.spec ? parseStored(id, change.spec) : byId.get(id);
      if (rule) byId.set(id, { ...rule, enabled: change.enabled });
    }
    return [...byId.values()];
  }

  onChange(listener: (rules: Rule[]) => Promise<void> | void): void {
    this.listeners.push(listener);
  }

  sourceOf(ruleId: string): string {
    const change = this.overrides.get(ruleId);
    return change?.spec ? API_SOURCE : (this.sources.get(ruleId) ?? API_SOURCE);
  }

  async put(group: string, alert: string, body: unknown, by: string): Promise<void> {
    const rule = typeof body === 'string' ? parseYamlBody(body) : body;
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
      throw new RuleRejected('the body must be one rule (JSON or YAML), as in a rule file');
    }
    const { interval, ...fields } = rule as Record<string, unknown>;
    if (fields['alert'] !== undefined && fields['alert'] !== alert) {
      throw new RuleRejected(
        `the body names alert "${String(fields['alert'])}", the path "${alert}"`,
      );
    }
    const document = {
      groups: [
        {
          name: group,
          ...(interval === undefined ? {} : { interval }),
          rules: [{ ...fields, alert }],
        },
      ],
    };
    let parsed: Rule;
    try {
      [parsed] = parseRules(document, `rule ${group}/${alert}`).rules as [Rule];
    } catch (e) {
      if (e instanceof RuleFileError) throw new RuleRejected(e.message);
      throw e;
    }
    await this.record(
      parsed.id,
      { spec: JSON.stringify(document), enabled: parsed.enabled, deleted: false },
      by,
    );
  }

  async remove(group: string, alert: string, by: string): Promise<void> {
    const id = `${group}/${alert}`;
    if (!this.overrides.get(id)?.spec) {
      const source = this.sources.get(id);
      throw new RuleRejected(
        source
          ? `rule ${id} comes from ${source}: disable it (POST …/disable), or remove it from its file`
          : `no rule ${id} was created through the API`,
      );
    }
    await this.record(id, { spec: '', enabled: false, deleted: !this.sources.has(id) }, by);
  }

  async setEnabled(group: string, alert: string, enabled: boolean, by: string): Promise<void> {
    const id = `${group}/${alert}`;
    const current = this.overrides.get(id);
    const known = (current && !current.deleted) || this.sources.has(id);
    if (!known) throw new RuleRejected(`no rule ${id}`);
    await this.record(id, { spec: current?.spec ?? '', enabled, deleted: false }, by);
  }

  private async record(id: string, change: Override, by: string): Promise<void> {
    await this.o.client.insert({
      table: `${this.o.database}.${Tables.ALERT_RULES}`,
      format: 'JSONEachRow',
      values: [
        {
          name: id,
          spec: change.spec,
          enabled: change.enabled,
          deleted: change.deleted,
          updated_by: by,
          updated_at: new Date(this.o.clock.now()).toISOString(),
        },
      ],
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
    this.overrides.set(id, change);
    const rules = this.rules();
    for (const listener of this.listeners) await listener(rules);
  }
}

function parseYamlBody(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (e) {
    throw new RuleRejected(
      `the body is not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`,
    );
  }
}

/** A stored rule is re-read with today's loader; one that no longer validates is skipped, said so. */
function parseStored(id: string, spec: string): Rule | undefined {
  try {
    return parseRules(JSON.parse(spec), `stored rule ${id}`).rules[0];
  } catch (e) {
    console.warn(`agentmeter alerting: stored rule ${id} is skipped: ${(e as Error).message}`);
    return undefined;
  }
}
