/**
 * Reading a YAML (or JSON) configuration file, for every reader of one (deployment, routing,
 * price overrides, alert rules, notifications): what cannot be read or parsed is reported the
 * same way everywhere, as problems located by line and column, for the reader's own error.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { Problem } from './problems.js';

export type ConfigDocument =
  | { readonly value: unknown }
  | { readonly failure: { readonly message: string; readonly problems: readonly Problem[] } };

/** `what` names the file in messages: `price overrides`, `notification file`, … */
export function readConfigDocument(path: string, what: string): ConfigDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      failure: {
        message: `cannot read ${what} ${path}: ${(error as Error).message}`,
        problems: [],
      },
    };
  }
  const document = parseDocument(text);
  if (document.errors.length === 0) return { value: document.toJS() as unknown };
  return {
    failure: {
      message: `${what} ${path} is not valid YAML or JSON:`,
      problems: document.errors.map((error) => ({
        path: error.linePos
          ? `line ${error.linePos[0].line}, column ${error.linePos[0].col}`
          : '(file)',
        message: error.message.split('\n')[0] ?? error.message,
      })),
    },
  };
}
