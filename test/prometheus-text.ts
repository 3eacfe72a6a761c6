/**
 * A small parser of the Prometheus text exposition format (0.0.4) and the naming rules of
 * https://prometheus.io/docs/practices/naming/, for tests of what `/metrics` serves. Strict where
 * the format is: a line it cannot read is a problem, not something skipped.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum`, … for a histogram). */
  name: string;
  labels: Record<string, string>;
  value: number;
  line: number;
}

export interface Family {
  name: string;
  help?: string;
  type?: MetricType;
  samples: Sample[];
}

export interface Exposition {
  families: Map<string, Family>;
  /** Lines that are not valid exposition text. */
  problems: string[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<string>(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];
const SUMMARY_SUFFIXES = ['_sum', '_count'];

export function parseExposition(text: string): Exposition {
  const families = new Map<string, Family>();
  const problems: string[] = [];
  /** Families whose lines have ended (another family's line came after them). */
  const closed = new Set<string>();
  let current: string | undefined;
  const enter = (name: string, where: string): Family => {
    if (current !== name) {
      if (current !== undefined) closed.add(current);
      if (closed.has(name)) problems.push(`${where}: lines of ${name} are not contiguous`);
      current = name;
    }
    let family = families.get(name);
    if (!family) families.set(name, (family = { name, samples: [] }));
    return family;
  };

  if (text.length > 0 && !text.endsWith('\n')) problems.push('the last line has no line feed');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    const where = `line ${i + 1}`;
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const meta = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
      if (!meta) return; // a plain comment
      const [, keyword, name, rest = ''] = meta;
      if (!NAME.test(name!)) problems.push(`${where}: invalid metric name '${name}'`);
      const family = enter(name!, where);
      if (keyword === 'HELP') {
        if (family.help !== undefined) problems.push(`${where}: second HELP for ${name}`);
        family.help = unescapeHelp(rest);
      } else {
        if (family.type !== undefined) problems.push(`${where}: second TYPE for ${name}`);
        if (family.samples.length > 0) problems.push(`${where}: TYPE of ${name} after its samples`);
        if (!TYPES.has(rest.trim())) problems.push(`${where}: unknown type '${rest}' of ${name}`);
        family.type = rest.trim() as MetricType;
      }
      return;
    }
    const sample = parseSample(line, i + 1, problems);
    if (!sample) return;
    enter(familyOf(sample.name, families), where).samples.push(sample);
  });
  return { families, problems };
}

/** The family a sample belongs to: its own name, or a declared histogram/summary it suffixes. */
function familyOf(sample: string, families: Map<string, Family>): string {
  if (families.has(sample)) return sample;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (!sample.endsWith(suffix)) continue;
    const base = sample.slice(0, -suffix.length);
    const type = families.get(base)?.type;
    if (type === 'histogram' || (type === 'summary' && SUMMARY_SUFFIXES.includes(suffix)))
      return base;
  }
  return sample;
}

function parseSample(line: string, n: number, problems: string[]): Sample | undefined {
  const where = `line ${n}`;
  const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
  if (!head) {
    problems.push(`${where}: no metric name in '${line}'`);
    return undefined;
  }
  const name = head[1]!;
  let i = name.length;
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    for (;;) {
      while (line[i] === ' ') i++;
      if (line[i] === '}') {
        i++;
        break;
      }
      const label = /^([^=\s]+)\s*=\s*"/.exec(line.slice(i));
      if (!label) {
        problems.push(`${where}: malformed labels in '${line}'`);
        return undefined;
      }
      const labelName = label[1]!;
      i += label[0].length;
      let value = '';
      for (; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\') {
          const next = line[++i];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else problems.push(`${where}: invalid escape '\\${next}' in a label value`);
        } else value += line[i];
      }
      if (line[i] !== '"') {
        problems.push(`${where}: unterminated label value in '${line}'`);
        return undefined;
      }
      i++;
      if (labelName in labels) problems.push(`${where}: label ${labelName} twice`);
      labels[labelName] = value;
      while (line[i] === ' ') i++;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') {
        problems.push(`${where}: malformed labels in '${line}'`);
        return undefined;
      }
    }
  }
  const rest = line.slice(i).trim().split(/\s+/);
  if (line[i] !== ' ' || rest.length < 1 || rest.length > 2) {
    problems.push(`${where}: expected 'name{labels} value [timestamp]', got '${line}'`);
    return undefined;
  }
  const value = parseValue(rest[0]!);
  if (value === undefined) {
    problems.push(`${where}: value '${rest[0]}' is not a number`);
    return undefined;
  }
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1]))
    problems.push(`${where}: timestamp '${rest[1]}' is not integer milliseconds`);
  return { name, labels, value, line: n };
}

/** A sample value or an `le` bound: a float, `+Inf`, `-Inf` or `NaN`. */
export function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** HELP text escapes only backslash and line feed. */
function unescapeHelp(text: string): string {
  return text.replace(/\\([n\\])/g, (_all, c: string) => (c === 'n' ? '\n' : c));
}

/** Unit words Prometheus replaces with base units (seconds, bytes, ratios). */
const NON_BASE_UNITS = new Set([
  'ns',
  'nanoseconds',
  'us',
  'microseconds',
  'ms',
  'millis',
  'milliseconds',
  'sec',
  'secs',
  'minute',
  'minutes',
  'hour',
  'hours',
  'day',
  'days',
  'kb',
  'kib',
  'kilobytes',
  'mb',
  'mib',
  'megabytes',
  'gb',
  'gib',
  'gigabytes',
  'bits',
  'percent',
]);
const BASE_UNITS = new Set(['seconds', 'bytes', 'ratio']);

/**
 * Every breach of the naming rules in an exposition, as readable lines (empty: none). `prefix`
 * is the product's namespace (`agentmeter_`), which every family must start with.
 */
export function namingProblems(exposition: Exposition, prefix: string): string[] {
  const problems = [...exposition.problems];
  const series = new Set<string>();
  for (const family of exposition.families.values()) {
    const { name, type } = family;
    const at = `${name}:`;
    if (!family.help?.trim()) problems.push(`${at} no HELP`);
    if (type === undefined) problems.push(`${at} no TYPE`);
    else if (type === 'untyped') problems.push(`${at} untyped`);
    if (!NAME.test(name)) problems.push(`${at} not a valid metric name`);
    if (!/^[a-z][a-z0-9_]*$/.test(name) || name.includes('__'))
      problems.push(`${at} not lowercase snake_case`);
    if (!name.startsWith(prefix)) problems.push(`${at} not in the '${prefix}' namespace`);

    if (type === 'counter' && !name.endsWith('_total'))
      problems.push(`${at} counter without _total`);
    if (type !== 'counter' && name.endsWith('_total')) problems.push(`${at} _total on a ${type}`);
    if (type !== 'histogram' && type !== 'summary') {
      for (const suffix of HISTOGRAM_SUFFIXES)
        if (name.endsWith(suffix)) problems.push(`${at} ${suffix} is reserved for histograms`);
    }

    const words = (type === 'counter' ? name.replace(/_total$/, '') : name).split('_');
    for (const word of words)
      if (NON_BASE_UNITS.has(word)) problems.push(`${at} unit '${word}' is not a base unit`);
    words.forEach((word, i) => {
      if (BASE_UNITS.has(word) && i !== words.length - 1)
        problems.push(`${at} unit '${word}' is not the last word (before _total)`);
    });

    for (const sample of family.samples) {
      const where = `${at} line ${sample.line}`;
      for (const label of Object.keys(sample.labels)) {
        if (!LABEL_NAME.test(label)) problems.push(`${where}: invalid label name '${label}'`);
        if (label.startsWith('__')) problems.push(`${where}: label '${label}' is reserved (__)`);
        if (label === 'le' && !(type === 'histogram' && sample.name === `${name}_bucket`))
          problems.push(`${where}: 'le' outside histogram buckets`);
        if (label === 'quantile' && type !== 'summary')
          problems.push(`${where}: 'quantile' outside a summary`);
      }
      const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
      if (series.has(key)) problems.push(`${where}: duplicate series`);
      series.add(key);
      if (type === 'counter' && !(sample.value >= 0 && Number.isFinite(sample.value)))
        problems.push(`${where}: counter value ${sample.value} is not a finite number ≥ 0`);
      if ((type === 'counter' || type === 'gauge') && sample.name !== name)
        problems.push(`${where}: sample ${sample.name} in ${type} ${name}`);
    }
    if (type === 'histogram') problems.push(...histogramProblems(family));
  }
  return problems;
}

/** Per label set: `_bucket` with `le` ascending up to `+Inf`, cumulative, `_sum` and `_count`. */
function histogramProblems(family: Family): string[] {
  const problems: string[] = [];
  const { name } = family;
  const groups = new Map<string, { buckets: Sample[]; sum?: Sample; count?: Sample }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { buckets: [] }));
    if (sample.name === `${name}_bucket`) {
      if (le === undefined) problems.push(`${name}: line ${sample.line}: bucket without le`);
      else group.buckets.push(sample);
    } else if (sample.name === `${name}_sum`) group.sum = sample;
    else if (sample.name === `${name}_count`) group.count = sample;
    else problems.push(`${name}: line ${sample.line}: sample ${sample.name} in a histogram`);
  }
  if (groups.size === 0) problems.push(`${name}: histogram without samples`);
  for (const [key, group] of groups) {
    const at = `${name}${key === '[]' ? '' : key}:`;
    const bounds = group.buckets.map((b) => parseValue(b.labels['le']!));
    bounds.forEach((bound, i) => {
      if (bound === undefined || Number.isNaN(bound))
        problems.push(`${at} le="${group.buckets[i]!.labels['le']}" is not a number`);
      else if (i > 0 && !(bound > bounds[i - 1]!))
        problems.push(`${at} le bounds not ascending at le="${group.buckets[i]!.labels['le']}"`);
      if (i > 0 && group.buckets[i]!.value < group.buckets[i - 1]!.value)
        problems.push(`${at} bucket counts decrease at le="${group.buckets[i]!.labels['le']}"`);
    });
    const last = group.buckets.at(-1);
    if (last?.labels['le'] !== '+Inf') problems.push(`${at} no le="+Inf" bucket last`);
    if (!group.sum) problems.push(`${at} no ${name}_sum`);
    if (!group.count) problems.push(`${at} no ${name}_count`);
    if (last && group.count && last.labels['le'] === '+Inf' && last.value !== group.count.value)
      problems.push(`${at} +Inf bucket ${last.value} differs from _count ${group.count.value}`);
  }
  return problems;
}
