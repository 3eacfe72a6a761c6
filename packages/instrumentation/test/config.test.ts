import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRoutingConfig, parseRoutingConfig } from '../src/config/load.js';
import { RoutingConfigError } from '../src/config/errors.js';

const EXAMPLE = new URL('../examples/models.yaml', import.meta.url).pathname;

function problemsOf(input: unknown): { path: string; message: string }[] {
  try {
    parseRoutingConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RoutingConfigError);
    return [...(error as RoutingConfigError).problems];
  }
  throw new Error('expected the config to be refused');
}

function yamlFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'routing-config-')), 'models.yaml');
  writeFileSync(path, text);
  return path;
}

const minimal = {
  models: { a: { provider: 'openai' }, b: { provider: 'anthropic' } },
  llm_routing_policies: { docs: { strategy: 'cheap_first', builder_primary: 'a' } },
};

describe('examples/models.yaml', () => {
  const config = loadRoutingConfig(EXAMPLE);

  it("reproduces seed 000's eight categories and strategies", () => {
    const strategies = Object.fromEntries(
      Object.entries(config.llm_routing_policies).map(([category, p]) => [category, p.strategy]),
    );
    expect(strategies).toEqual({
      security_auth_change: 'best_first',
      external_feature_reuse_remote: 'best_first',
      schema_contract_change_destructive: 'best_first',
      external_feature_reuse_internal: 'progressive',
      schema_contract_change_additive: 'progressive',
      core_backend_high: 'progressive',
      docs: 'cheap_first',
      tests: 'cheap_first',
    });
    expect(
      config.llm_routing_policies.schema_contract_change_additive?.escalate_to?.after_attempts,
    ).toBe(1);
    expect(config.llm_routing_policies.docs?.escalate_to).toEqual({
      builder: 'gpt-4o',
      after_attempts: 3,
    });
  });

  it("reproduces seed 000's quota_enforcement", () => {
    expect(config.quota_enforcement).toEqual({
      best_first_block_on_exhaustion: true,
      progressive_block_on_exhaustion: true,
      cheap_first_allow_downgrade: false,
      on_quota_exhaustion: 'raise_incident',
      never_fallback_categories: [
        'security_auth_change',
        'external_feature_reuse_remote',
        'schema_contract_change_destructive',
      ],
    });
  });
});

describe('defaults', () => {
  it('are LiteLLM-like for retries, cooldowns and fallbacks', () => {
    const config = parseRoutingConfig(minimal);
    expect(config.retry).toEqual({
      num_retries: 2,
      retry_on: ['rate_limit', 'timeout', 'network', 'server'],
      initial_backoff_ms: 500,
      max_backoff_ms: 8_000,
      max_retry_after_ms: 30_000,
    });
    expect(config.cooldown).toEqual({ allowed_fails: 3, window_seconds: 60, cooldown_seconds: 5 });
    expect(config.fallbacks.max_fallbacks).toBe(5);
    expect(config.category_detection).toEqual({ rules: [], default_category: 'uncategorized' });
    expect(config.quota_enforcement.never_fallback_categories).toEqual([]);
  });

  it("validates budgets and quotas with the budget module's schemas, listing their problems too", () => {
    const problems = problemsOf({
      ...minimal,
      budgets: [{ id: 'x', scope: 'global', period: 'fortnightly', limit_usd: 5 }],
      quotas: { openai: 'later' },
    });
    expect(problems.some((p) => p.path === 'budgets[0].period')).toBe(true);
    expect(problems.some((p) => p.path.startsWith('quotas.openai'))).toBe(true);
    const config = parseRoutingConfig({
      ...minimal,
      budgets: [{ id: 'daily', scope: 'global', period: 'daily', limit_usd: 5 }],
      quotas: { openai: { tokens: 1000, period: 'weekly' } },
    });
    expect(config.budgets?.[0]).toMatchObject({ id: 'daily', period: 'daily', limit_usd: 5 });
    expect(config.quotas?.['openai']).toMatchObject({ tokens: 1000, period: 'weekly' });
  });
});

describe('an invalid config', () => {
  it('is refused with every problem listed: path, what was expected, what was found', () => {
    const problems = problemsOf({
      models: { a: { provider: 'openai', downgrade_to: 'nope' }, b: { provider: 3 } },
      llm_routing_policies: {
        docs: {
          strategy: 'cheapest',
          builder_primary: 'a',
          auditor_primary: 'missing-model',
          escalate_to: { after_attempts: -1, builder: 'a', planner: 'a' },
        },
        security: {
          strategy: 'best_first',
          builder_primary: 'a',
          escalate_to: { builder: 'b', after_attempts: 1 },
        },
        empty: { strategy: 'progressive', buider: 'a' },
      },
      retry: { num_retries: 'two' },
      fallbacks: { quota: { a: ['a'] }, contxt_window: {} },
      default_complexity: 'medium',
    });
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    expect(byPath).toMatchObject({
      'models.a.downgrade_to': 'expected a model listed under `models`, found "nope"',
      'models.b.provider': expect.stringMatching(/expected string, received number/),
      'llm_routing_policies.docs.strategy': expect.stringMatching(
        /expected one of "best_first"\|"progressive"\|"cheap_first", found "cheapest"/,
      ),
      'llm_routing_policies.docs.auditor_primary':
        'expected a model listed under `models`, found "missing-model"',
      'llm_routing_policies.docs.escalate_to.after_attempts':
        expect.stringMatching(/>=0, found -1/),
      'llm_routing_policies.docs.escalate_to.planner': expect.stringMatching(
        /expected a role of this policy \(builder, auditor\), found "planner"/,
      ),
      'llm_routing_policies.security.escalate_to': expect.stringMatching(/best_first/),
      'llm_routing_policies.empty.buider': expect.stringMatching(
        /expected `<role>_primary`.*found key "buider"/,
      ),
      'llm_routing_policies.empty': expect.stringMatching(/at least one `<role>_primary`/),
      'retry.num_retries': expect.stringMatching(/expected number, received string/),
      'fallbacks.quota.a[0]': expect.stringMatching(/other than "a" itself/),
      'fallbacks.contxt_window': expect.stringMatching(/unknown key/),
      default_complexity: expect.stringMatching(/found "medium"/),
    });
    expect(problems).toHaveLength(13);
  });

  it('names every problem in the error message', () => {
    expect(() =>
      parseRoutingConfig({
        models: {},
        llm_routing_policies: { x: { strategy: 'best_first', builder_primary: 'gone' } },
      }),
    ).toThrow(
      /routing config is invalid \(1 problem\):\n {2}- llm_routing_policies\.x\.builder_primary: expected a model listed under `models`, found "gone"/,
    );
  });

  it('refuses a quota fallback on the same provider (a quota is per provider)', () => {
    const problems = problemsOf({
      models: { a: { provider: 'openai' }, c: { provider: 'openai' } },
      fallbacks: { quota: { a: ['c'] } },
    });
    expect(problems).toEqual([
      {
        path: 'fallbacks.quota.a[0]',
        message: 'expected a model of a provider other than "openai", found "c"',
      },
    ]);
  });

  it('refuses detection rules that can never match', () => {
    const problems = problemsOf({
      ...minimal,
      category_detection: {
        rules: [{ category: 'docs' }, { category: 'x', and_keywords: ['y'], files: ['z'] }],
      },
    });
    expect(problems.map((p) => p.path)).toEqual([
      'category_detection.rules[0]',
      'category_detection.rules[1].and_keywords',
    ]);
  });
});

describe('loadRoutingConfig', () => {
  it('reads YAML', () => {
    const path = yamlFile(
      'models:\n  a: { provider: openai }\nllm_routing_policies:\n  docs: { strategy: best_first, builder_primary: a }\n',
    );
    expect(loadRoutingConfig(path).llm_routing_policies.docs?.builder_primary).toBe('a');
  });

  it('refuses a file that is not YAML, with the line', () => {
    const path = yamlFile('models:\n  a: { provider: openai\n');
    expect(() => loadRoutingConfig(path)).toThrow(
      expect.objectContaining({
        code: 'ROUTING_CONFIG_UNREADABLE',
        problems: [
          expect.objectContaining({ path: expect.stringMatching(/^line \d+, column \d+$/) }),
        ],
      }),
    );
  });

  it('refuses a missing file, naming it', () => {
    expect(() => loadRoutingConfig('/nonexistent/models.yaml')).toThrow(
      /cannot read routing config \/nonexistent\/models\.yaml/,
    );
  });

  it('labels problems with the file name', () => {
    const path = yamlFile('models: []\n');
    expect(() => loadRoutingConfig(path)).toThrow(new RegExp(`routing config ${path} is invalid`));
  });
});
