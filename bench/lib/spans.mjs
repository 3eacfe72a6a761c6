// A realistic span population generated inside the embedded engine: INSERT … SELECT FROM
// numbers() into llm_spans, so the materialized views build llm_usage_1m/1h/1d as at ingest.
//
// Calls come from STREAMS "deployments" (a project's service running one agent in one workflow
// on one category, role and environment), picked with a skew (the first streams are the busy
// ones), each on a primary model and, for a quarter of its calls, a second one (escalations
// under `progressive`). 20 models of 7 providers, 8 projects (16 services), 10 categories,
// 6 agents, 6 workflows, 2 environments; ~1.5 % of calls fail (deepseek and groq more, groq
// mostly rate limits), and MISTRAL has an incident in the last INCIDENT_MINUTES (15 % errors),
// so some rules have something to fire on. Timestamps are uniform over the last `days` days.
export const MODELS = [
  // [provider, model, base latency ms, USD per input token, USD per output token]
  ['openai', 'gpt-4o', 900, 2.5e-6, 1e-5],
  ['openai', 'gpt-4o-mini', 500, 1.5e-7, 6e-7],
  ['openai', 'gpt-4.1', 1100, 2e-6, 8e-6],
  ['openai', 'gpt-4.1-mini', 600, 4e-7, 1.6e-6],
  ['openai', 'o3-mini', 2500, 1.1e-6, 4.4e-6],
  ['anthropic', 'claude-sonnet-4', 1200, 3e-6, 1.5e-5],
  ['anthropic', 'claude-opus-4', 2600, 1.5e-5, 7.5e-5],
  ['anthropic', 'claude-3-5-haiku', 600, 8e-7, 4e-6],
  ['anthropic', 'claude-3-7-sonnet', 1300, 3e-6, 1.5e-5],
  ['gcp.gemini', 'gemini-2.0-flash', 450, 1e-7, 4e-7],
  ['gcp.gemini', 'gemini-2.5-pro', 2000, 1.25e-6, 1e-5],
  ['gcp.gemini', 'gemini-2.5-flash', 700, 3e-7, 2.5e-6],
  ['aws.bedrock', 'amazon.nova-pro', 900, 8e-7, 3.2e-6],
  ['aws.bedrock', 'meta.llama3-70b', 1000, 9.9e-7, 9.9e-7],
  ['deepseek', 'deepseek-chat', 1400, 2.7e-7, 1.1e-6],
  ['deepseek', 'deepseek-reasoner', 4000, 5.5e-7, 2.19e-6],
  ['mistral_ai', 'mistral-large', 1000, 2e-6, 6e-6],
  ['mistral_ai', 'codestral', 600, 3e-7, 9e-7],
  ['groq', 'llama-3.3-70b', 300, 5.9e-7, 7.9e-7],
  ['groq', 'mixtral-8x7b', 250, 2.4e-7, 2.4e-7],
];
export const PROVIDERS = [...new Set(MODELS.map((m) => m[0]))];
export const PROJECTS = [
  'acme-web',
  'acme-data',
  'acme-ml',
  'acme-ops',
  'acme-support',
  'acme-search',
  'acme-mobile',
  'acme-internal',
];
export const SERVICES = PROJECTS.flatMap((p) => [`${p}-api`, `${p}-worker`]);
export const ENVIRONMENTS = ['production', 'staging'];
export const CATEGORIES = [
  'docs',
  'tests',
  'core_backend_high',
  'security_auth_change',
  'schema_contract_change_additive',
  'schema_contract_change_destructive',
  'external_feature_reuse_remote',
  'ui_frontend',
  'data_pipeline',
  'support_answer',
];
/** The routing strategy of each category (same index). */
export const CATEGORY_STRATEGIES = [
  'cheap_first',
  'cheap_first',
  'progressive',
  'best_first',
  'progressive',
  'best_first',
  'best_first',
  'progressive',
  'cheap_first',
  'cheap_first',
];
export const STRATEGIES = [...new Set(CATEGORY_STRATEGIES)];
export const ROLES = ['builder', 'auditor', 'planner'];
export const AGENTS = ['planner', 'coder', 'reviewer', 'support', 'triage', 'summarizer'];
export const WORKFLOWS = [
  'pr-review',
  'incident-triage',
  'nightly-etl',
  'customer-chat',
  'doc-gen',
  'test-gen',
];
export const OPERATIONS = ['chat', 'text_completion', 'embeddings'];
export const ERROR_CATEGORIES = ['rate_limit', 'timeout', 'server', 'validation', 'network'];
export const STREAMS = 150;
export const INCIDENT_PROVIDER = 'mistral_ai';
export const INCIDENT_MINUTES = 20;

const list = (values) => `[${values.map((v) => `'${v}'`).join(', ')}]`;
const numbers = (values) => `[${values.map((v) => String(v)).join(', ')}]`;

/** The SELECT of `n` spans from `offset`, timestamps in the `days` days before now. */
function spansSelect(offset, n, days) {
  const h = (k) => `cityHash64(number, ${k})`;
  const sh = (k) => `cityHash64(s, ${k})`;
  const pick = (values, hash) => `${list(values)}[1 + ${hash} % ${values.length}]`;
  return `
  SELECT
    number,
    ${h(1)} % ${days * 86_400_000} AS off,
    (${h(2)} % 1000000) / 1e6 AS u1,
    (${h(3)} % 1000000) / 1e6 AS u2,
    (${h(4)} % 1000000) / 1e6 AS u3,
    (${h(5)} % 1000000) / 1e6 AS u4,
    toUInt32(floor(${STREAMS} * pow(u1, 2))) AS s,
    toUInt8(if(u2 < 0.25, 1 + ${sh(11)} % ${MODELS.length}, 1 + ${sh(10)} % ${MODELS.length})) AS mi,
    ${list(MODELS.map((m) => m[0]))}[mi] AS provider,
    ${list(MODELS.map((m) => m[1]))}[mi] AS request_model,
    request_model AS response_model,
    ${list(PROJECTS)}[1 + ${sh(1)} % ${PROJECTS.length}] AS project,
    ${sh(2)} % 2 = 0 AS api,
    concat(project, if(api, '-api', '-worker')) AS stream_service,
    stream_service AS service_name,
    if(${sh(3)} % 7 = 0, 'staging', 'production') AS environment,
    ${pick(AGENTS, sh(4))} AS agent,
    ${pick(WORKFLOWS, sh(5))} AS workflow,
    1 + ${sh(6)} % ${CATEGORIES.length} AS ci,
    ${list(CATEGORIES)}[ci] AS category,
    ${list(CATEGORY_STRATEGIES)}[ci] AS strategy,
    ${pick(['explicit', 'detected'], sh(8))} AS category_source,
    ${pick(ROLES, sh(7))} AS role,
    multiIf(${sh(9)} % 20 = 0, 'embeddings', ${sh(9)} % 20 = 1, 'text_completion', 'chat') AS operation,
    now64(9) - toIntervalMillisecond(off) AS timestamp,
    multiIf(provider = '${INCIDENT_PROVIDER}' AND off < ${INCIDENT_MINUTES * 60_000}, 150,
            provider = 'deepseek', 40, provider = 'groq', 35, 15) AS err_permille,
    ${h(6)} % 1000 < err_permille AS failed,
    if(failed, 'error', 'ok') AS status,
    if(failed, if(provider = 'groq' AND u3 < 0.7, 'rate_limit', ${pick(ERROR_CATEGORIES, h(7))}), '') AS error_category,
    if(error_category = 'timeout', 30000.0,
       ${numbers(MODELS.map((m) => m[2]))}[mi] * (0.4 + 2.5 * pow(u3, 3))) AS duration_ms,
    operation = 'chat' AND u4 < 0.4 AS is_stream,
    if(is_stream, duration_ms * (0.1 + 0.2 * u4), NULL) AS time_to_first_token_ms,
    lower(hex(${h(8)})) || lower(hex(${h(9)})) AS trace_id,
    lower(hex(${h(10)})) AS span_id,
    concat(operation, ' ', request_model) AS span_name,
    'CLIENT' AS span_kind,
    '1.4.2' AS service_version,
    'agentmeter' AS scope_name,
    1 + toUInt16(u2 < 0.25) AS attempt,
    u2 < 0.25 AND strategy = 'progressive' AS escalated,
    if(failed, 0, 200 + ${h(11)} % 6000) AS input_tokens,
    if(failed OR operation = 'embeddings', 0, 50 + ${h(12)} % 1500) AS output_tokens,
    if(u4 > 0.7, intDiv(input_tokens, 2), 0) AS cache_read_tokens,
    if(u4 BETWEEN 0.65 AND 0.7, intDiv(input_tokens, 3), 0) AS cache_write_tokens,
    if(request_model IN ('o3-mini', 'deepseek-reasoner'), intDiv(output_tokens, 2), 0) AS reasoning_tokens,
    request_model = 'meta.llama3-70b' AND u3 < 0.3 AS unpriced,
    if(unpriced, 'unpriced', 'catalog') AS cost_source,
    toDecimal64(if(unpriced, 0, input_tokens * ${numbers(MODELS.map((m) => m[3]))}[mi]), 9) AS cost_input_usd,
    toDecimal64(if(unpriced, 0, output_tokens * ${numbers(MODELS.map((m) => m[4]))}[mi]), 9) AS cost_output_usd,
    cost_input_usd + cost_output_usd AS cost_usd,
    api AND ${sh(12)} % 3 = 0 AND u3 > 0.9 AS response_cache_hit,
    multiIf(${h(13)} % 1000 < 2, 'blocked', ${h(13)} % 1000 < 7, 'downgraded', 'allowed') AS quota_decision,
    multiIf(${h(14)} % 1000 < 1, 'blocked', ${h(14)} % 1000 < 4, 'downgraded', 'allowed') AS budget_decision,
    concat('user-', toString(${h(15)} % 2000)) AS user_id
  FROM numbers(${offset}, ${n})`;
}

const COLUMNS = [
  'number',
  'provider',
  'request_model',
  'response_model',
  'project',
  'service_name',
  'environment',
  'agent',
  'workflow',
  'ci',
  'category',
  'strategy',
  'category_source',
  'role',
  'operation',
  'timestamp',
  'failed',
  'status',
  'error_category',
  'duration_ms',
  'is_stream',
  'time_to_first_token_ms',
  'trace_id',
  'span_id',
  'span_name',
  'span_kind',
  'service_version',
  'scope_name',
  'attempt',
  'escalated',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'reasoning_tokens',
  'unpriced',
  'cost_source',
  'cost_input_usd',
  'cost_output_usd',
  'cost_usd',
  'response_cache_hit',
  'quota_decision',
  'budget_decision',
  'user_id',
];
// Helper columns of the SELECT that llm_spans does not have.
const HELPERS = new Set(['number', 'ci', 'failed', 'unpriced']);

/**
 * Inserts `spans` spans over the last `days` days in chunks of `chunk`; `onChunk(done)` after each.
 * Returns the seconds it took.
 */
export async function generateSpans(client, { spans, days, chunk = 1_000_000, onChunk }) {
  const started = performance.now();
  const columns = COLUMNS.filter((c) => !HELPERS.has(c));
  for (let offset = 0; offset < spans; offset += chunk) {
    const n = Math.min(chunk, spans - offset);
    await client.command({
      query: `INSERT INTO agentmeter.llm_spans (${columns.join(', ')})
SELECT ${columns.join(', ')} FROM (${spansSelect(offset, n, days)})`,
    });
    onChunk?.(offset + n);
  }
  return (performance.now() - started) / 1000;
}

/** Rows of llm_spans and of each rollup table. */
export async function tableCounts(client) {
  const out = {};
  for (const table of ['llm_spans', 'llm_usage_1m', 'llm_usage_1h', 'llm_usage_1d']) {
    const rs = await client.query({
      query: `SELECT toString(count()) AS n FROM agentmeter.${table}`,
      format: 'JSONEachRow',
    });
    out[table] = Number((await rs.json())[0].n);
  }
  return out;
}
