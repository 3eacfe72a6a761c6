/**
 * Contact points and notification policies, read in Grafana's alerting file-provisioning format
 * (YAML or JSON; docs/alerting-notifications.md has a full example), so a file written for
 * Grafana works here and the other way round:
 *
 * - `contactPoints[]`: `orgId`, `name`, `receivers[]` with `uid`, `type` (`webhook` or
 *   `prometheus-alertmanager`), `settings`, `disableResolveMessage`;
 * - `policies[]`: one tree, its root naming the default `receiver`, `group_by` (`'...'` = every
 *   label), `group_wait`, `group_interval`, `repeat_interval` (Prometheus durations), and
 *   `routes[]` with `object_matchers`, `continue`, and anything of the parent they override.
 *
 * Defaults are Grafana's (30s / 5m / 4h), except `group_by`: Grafana's
 * `['grafana_folder', 'alertname']` is `['alertname']` here, as there are no folders. A file with
 * problems is refused with all of them, each with its file and path; keys Grafana knows but
 * agentmeter does not implement are named as such rather than ignored. Only the files passed in
 * are read; `${VAR}` is expanded only when the caller passes an environment.
 */
import { z } from 'zod';
import {
  formatPath,
  issuesToProblems,
  ProblemsError,
  readConfigDocument,
  type Problem,
} from '@agentmeter/conventions';
import { parseDuration } from '../duration.js';
import { unsupportedTemplateActions } from './grafana-text.js';

export type NotificationConfigErrorCode =
  /** A file could not be read, or is not YAML/JSON. */
  | 'NOTIFICATION_CONFIG_UNREADABLE'
  /** The files parsed but are not a valid notification configuration; `problems` lists why. */
  | 'NOTIFICATION_CONFIG_INVALID';

export class NotificationConfigError extends ProblemsError<NotificationConfigErrorCode> {
  override readonly name = 'NotificationConfigError';
}

/** `group_by: ['...']`: every label of the alert is a group label (no grouping). */
export const GROUP_BY_ALL = '...';

export const DEFAULT_POLICY_TIMERS = {
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 4 * 3_600_000,
} as const;
export const DEFAULT_GROUP_BY: readonly string[] = ['alertname'];

/** Keys of Grafana's format that agentmeter does not implement, wherever they appear. */
const GRAFANA_ONLY_KEYS = new Set([
  'templates',
  'muteTimes',
  'deleteContactPoints',
  'deleteTemplates',
  'deleteMuteTimes',
  'resetPolicies',
  'groups',
  'deleteRules',
  'headers',
  'tlsConfig',
  'payload',
  'matchers',
  'mute_time_intervals',
  'active_time_intervals',
  'provenance',
]);

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(String(value));
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: 'expected a duration such as 0s, 30s, 5m or 4h' });
  return z.NEVER;
});
const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0s');

const template = z.string().superRefine((text, ctx) => {
  const unsupported = unsupportedTemplateActions(text);
  if (unsupported.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `template actions agentmeter does not implement: ${unsupported.join(' ')} (see docs/alerting-notifications.md for those it does)`,
    });
  }
});

const WebhookSettingsSchema = z
  .strictObject({
    url: httpUrl,
    httpMethod: z.enum(['POST', 'PUT']).default('POST'),
    /** 0 = all; more alerts are left out of the body and counted in `truncatedAlerts`. */
    maxAlerts: z
      .union([z.number().int().min(0), z.string().regex(/^\d+$/, 'expected a whole number')])
      .transform(Number)
      .default(0),
    authorization_scheme: z.string().min(1).optional(),
    authorization_credentials: z.string().min(1).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    hmacConfig: z
      .strictObject({
        secret: z.string().min(1),
        header: z.string().min(1).optional(),
        timestampHeader: z.string().min(1).optional(),
      })
      .optional(),
    title: template.optional(),
    message: template.optional(),
  })
  .superRefine((s, ctx) => {
    if ((s.username === undefined) !== (s.password === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [s.username === undefined ? 'username' : 'password'],
        message: 'HTTP Basic authentication needs both username and password',
      });
    }
    if (s.authorization_scheme !== undefined && s.authorization_credentials === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['authorization_credentials'],
        message: 'authorization_scheme is set without authorization_credentials',
      });
    }
    if (s.username !== undefined && s.authorization_credentials !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['authorization_credentials'],
        message: 'both HTTP Basic authentication and an Authorization header are set: keep one',
      });
    }
  })
  .transform((s) => ({
    ...s,
    // Grafana's default scheme when only credentials are given.
    authorization_scheme:
      s.authorization_credentials === undefined ? undefined : (s.authorization_scheme ?? 'Bearer'),
  }));

const AlertmanagerSettingsSchema = z
  .strictObject({
    /** One Alertmanager, or a comma-separated list: every one gets every alert (HA). */
    url: z.string().min(1),
    basicAuthUser: z.string().min(1).optional(),
    basicAuthPassword: z.string().min(1).optional(),
  })
  .superRefine((s, ctx) => {
    for (const url of s.url.split(',').map((u) => u.trim())) {
      if (!httpUrl.safeParse(url).success) {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: `expected http(s) URLs separated by commas; ${JSON.stringify(url)} is not one`,
        });
      }
    }
    if ((s.basicAuthUser === undefined) !== (s.basicAuthPassword === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [s.basicAuthUser === undefined ? 'basicAuthUser' : 'basicAuthPassword'],
        message: 'HTTP Basic authentication needs both basicAuthUser and basicAuthPassword',
      });
    }
  })
  .transform((s) => ({ ...s, urls: s.url.split(',').map((u) => u.trim()) }));

const uid = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected 1 to 40 letters, digits, - or _ (Grafana uid)');
const disableResolveMessage = z.boolean().default(false);

const ReceiverSchema = z.discriminatedUnion('type', [
  z.strictObject({
    uid,
    type: z.literal('webhook'),
    settings: WebhookSettingsSchema,
    disableResolveMessage,
  }),
  z.strictObject({
    uid,
    type: z.literal('prometheus-alertmanager'),
    settings: AlertmanagerSettingsSchema,
    disableResolveMessage,
  }),
]);

const orgId = z.number().int().positive().default(1);

const ContactPointSchema = z.strictObject({
  orgId,
  name: z.string().min(1),
  receivers: z.array(ReceiverSchema).min(1),
});

const MATCH_OPS = ['=', '!=', '=~', '!~'] as const;
export type MatchOp = (typeof MATCH_OPS)[number];

const MatcherSchema = z
  .tuple([z.string().min(1), z.enum(MATCH_OPS), z.string()])
  .superRefine(([, op, value], ctx) => {
    if (op !== '=~' && op !== '!~') return;
    try {
      new RegExp(value);
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: [2],
        message: `not a valid regular expression: ${(error as Error).message}`,
      });
    }
  });

const GroupBySchema = z.array(z.string().min(1)).superRefine((labels, ctx) => {
  if (labels.includes(GROUP_BY_ALL) && labels.length > 1) {
    ctx.addIssue({
      code: 'custom',
      message: `'${GROUP_BY_ALL}' (every label) cannot be combined with other labels`,
    });
  }
  const seen = new Set<string>();
  labels.forEach((label, i) => {
    if (seen.has(label)) {
      ctx.addIssue({ code: 'custom', path: [i], message: `${label} is listed twice` });
    }
    seen.add(label);
  });
});

/** A route below the root: what it does not set, it inherits from its parent. */
export interface RouteConfig {
  receiver?: string | undefined;
  group_by?: string[] | undefined;
  group_wait?: number | undefined;
  group_interval?: number | undefined;
  repeat_interval?: number | undefined;
  object_matchers: [string, MatchOp, string][];
  continue: boolean;
  routes: RouteConfig[];
}

const RouteSchema: z.ZodType<RouteConfig, unknown> = z.lazy(() =>
  z.strictObject({
    receiver: z.string().min(1).optional(),
    group_by: GroupBySchema.optional(),
    group_wait: duration.optional(),
    group_interval: positiveDuration.optional(),
    repeat_interval: positiveDuration.optional(),
    object_matchers: z.array(MatcherSchema).default([]),
    continue: z.boolean().default(false),
    routes: z.array(RouteSchema).default([]),
  }),
);

const PolicySchema = z.strictObject({
  orgId,
  receiver: z.string().min(1),
  group_by: GroupBySchema.default([...DEFAULT_GROUP_BY]),
  group_wait: duration.default(DEFAULT_POLICY_TIMERS.groupWaitMs),
  group_interval: positiveDuration.default(DEFAULT_POLICY_TIMERS.groupIntervalMs),
  repeat_interval: positiveDuration.default(DEFAULT_POLICY_TIMERS.repeatIntervalMs),
  routes: z.array(RouteSchema).default([]),
});

const FileSchema = z.strictObject({
  apiVersion: z.literal(1),
  contactPoints: z.array(ContactPointSchema).default([]),
  policies: z.array(PolicySchema).max(1, 'agentmeter reads one policy tree').default([]),
});

type ConfigFile = z.infer<typeof FileSchema>;
export type WebhookSettings = z.infer<typeof WebhookSettingsSchema>;
export type AlertmanagerSettings = z.infer<typeof AlertmanagerSettingsSchema>;
export type ReceiverConfig = z.infer<typeof ReceiverSchema>;
export type ContactPointConfig = z.infer<typeof ContactPointSchema>;
/** The root of the policy tree: every timer and `group_by` resolved. */
export type PolicyConfig = z.infer<typeof PolicySchema>;

export interface NotificationConfig {
  readonly contactPoints: readonly ContactPointConfig[];
  /** Undefined when no contact point is configured: nothing is sent. */
  readonly policy: PolicyConfig | undefined;
}

export interface LoadOptions {
  /** Expands `$VAR` and `${VAR}` in values (`$$` is a literal `$`), as Grafana's provisioning does. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** Reads, validates and joins notification files; throws NotificationConfigError with every problem. */
export function loadNotificationConfig(
  paths: readonly string[],
  options: LoadOptions = {},
): NotificationConfig {
  return parseNotificationConfig(
    paths.map((file) => ({ file, content: readDocument(file) })),
    options,
  );
}

/** Validates already-parsed documents; `file` names each in problems. */
export function parseNotificationConfig(
  documents: readonly { file: string; content: unknown }[],
  options: LoadOptions = {},
): NotificationConfig {
  const problems: Problem[] = [];
  const inFile = (file: string, list: readonly Problem[]) =>
    list.map((p) => ({ path: `${file}: ${p.path}`, message: p.message }));
  const parsed: { file: string; data: ConfigFile }[] = [];
  for (const { file, content } of documents) {
    const expanded = options.env ? expandEnv(content, options.env) : { value: content, unset: [] };
    problems.push(...inFile(file, expanded.unset));
    const result = FileSchema.safeParse(expanded.value);
    if (result.success) {
      parsed.push({ file, data: result.data });
    } else {
      const { rest, grafanaOnly } = splitGrafanaOnly(result.error.issues);
      problems.push(...inFile(file, [...issuesToProblems(rest, expanded.value), ...grafanaOnly]));
    }
  }
  if (problems.length === 0) problems.push(...crossFileProblems(parsed));
  if (problems.length > 0) {
    throw new NotificationConfigError(
      'NOTIFICATION_CONFIG_INVALID',
      `notification configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
      problems,
    );
  }
  const contactPoints = parsed.flatMap((p) => p.data.contactPoints);
  return { contactPoints, policy: parsed.flatMap((p) => p.data.policies)[0] };
}

function readDocument(file: string): unknown {
  const document = readConfigDocument(file, 'notification file');
  if ('failure' in document) {
    throw new NotificationConfigError(
      'NOTIFICATION_CONFIG_UNREADABLE',
      document.failure.message,
      document.failure.problems,
    );
  }
  return document.value;
}

/** Problems for keys of Grafana's format that agentmeter lacks; the other issues as they are. */
function splitGrafanaOnly(issues: readonly z.core.$ZodIssue[]): {
  rest: z.core.$ZodIssue[];
  grafanaOnly: Problem[];
} {
  const grafanaOnly: Problem[] = [];
  const rest = issues.flatMap((issue): z.core.$ZodIssue[] => {
    if (issue.code !== 'unrecognized_keys') return [issue];
    for (const key of issue.keys.filter((k) => GRAFANA_ONLY_KEYS.has(k))) {
      grafanaOnly.push({
        path: formatPath([...issue.path, key]),
        message: `Grafana's ${key} is not supported by agentmeter: remove it`,
      });
    }
    const keys = issue.keys.filter((k) => !GRAFANA_ONLY_KEYS.has(k));
    return keys.length > 0 ? [{ ...issue, keys }] : [];
  });
  return { rest, grafanaOnly };
}

/** Names unique across files, one organisation, one policy tree, and routes that name contact points. */
function crossFileProblems(parsed: readonly { file: string; data: ConfigFile }[]): Problem[] {
  const problems: Problem[] = [];
  const names = new Map<string, string>();
  const uids = new Map<string, string>();
  /** Where each organisation id is first used. */
  const orgs = new Map<number, string>();
  for (const { file, data } of parsed) {
    data.contactPoints.forEach((cp, i) => {
      const at = `${file}: contactPoints[${i}]`;
      const earlier = names.get(cp.name);
      if (earlier !== undefined) {
        problems.push({
          path: `${at}.name`,
          message: `${cp.name} is already defined in ${earlier}`,
        });
      }
      names.set(cp.name, file);
      if (!orgs.has(cp.orgId)) orgs.set(cp.orgId, `${at}.orgId`);
      cp.receivers.forEach((r, j) => {
        const seen = uids.get(r.uid);
        if (seen !== undefined) {
          problems.push({
            path: `${at}.receivers[${j}].uid`,
            message: `${r.uid} is already used in ${seen}`,
          });
        }
        uids.set(r.uid, file);
      });
    });
  }
  const trees = parsed.flatMap(({ file, data }) =>
    data.policies.map((policy) => ({ file, policy })),
  );
  for (const { file } of trees.slice(1)) {
    problems.push({
      path: `${file}: policies`,
      message: `a second policy tree (the first is in ${trees[0]!.file}): agentmeter reads one`,
    });
  }
  for (const { file, policy } of trees) {
    if (!orgs.has(policy.orgId)) orgs.set(policy.orgId, `${file}: policies[0].orgId`);
    const check = (
      route: { receiver?: string | undefined; routes: readonly RouteConfig[] },
      at: string,
    ) => {
      if (route.receiver !== undefined && !names.has(route.receiver)) {
        problems.push({
          path: `${at}.receiver`,
          message: `no contact point is named ${route.receiver}`,
        });
      }
      route.routes.forEach((child, i) => check(child, `${at}.routes[${i}]`));
    };
    check(policy, `${file}: policies[0]`);
  }
  if (orgs.size > 1) {
    const ids = [...orgs.keys()].join(' and ');
    for (const path of [...orgs.values()].slice(1)) {
      problems.push({
        path,
        message: `agentmeter notifies for one organisation; orgIds ${ids} are used`,
      });
    }
  }
  if (trees.length === 0 && names.size > 0) {
    const file = parsed.find((p) => p.data.contactPoints.length > 0)!.file;
    problems.push({
      path: `${file}: policies`,
      message: 'contact points but no notification policy: add policies with the default receiver',
    });
  }
  return problems;
}

const ENV_REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** `$VAR`, `${VAR}` and `$$` in every string value; unset variables are problems. */
function expandEnv(
  content: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; unset: Problem[] } {
  const unset: Problem[] = [];
  const walk = (v: unknown, at: readonly PropertyKey[]): unknown => {
    if (typeof v === 'string') {
      return v.replace(ENV_REFERENCE, (whole, braced?: string, bare?: string) => {
        if (whole === '$$') return '$';
        const name = (braced ?? bare)!;
        const found = env[name];
        if (found !== undefined) return found;
        unset.push({ path: formatPath(at), message: `environment variable ${name} is not set` });
        return whole;
      });
    }
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...at, i]));
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, [...at, k])]));
    }
    return v;
  };
  return { value: walk(content, []), unset };
}
