/** Rules for tests, written as in a rule file and read by the same loader. */
import { parseRules } from '../../src/rules/load.js';
import type { Rule } from '../../src/rules/rule.js';

export function rule<R extends Rule = Rule>(body: Record<string, unknown>): R {
  return parseRules({ groups: [{ name: 'test', rules: [{ alert: 'Test', ...body }] }] }, 'test')
    .rules[0] as R;
}
