/**
 * Captured content in the semconv shape of `gen_ai.input.messages` / `gen_ai.output.messages`
 * (`[{ role, parts: [{ type: 'text', content }] }]`), every text through the secret redactor.
 * Only text is kept: images, files and tool payloads are recorded by their part type alone.
 */
import { redactSecrets } from '../redact.js';

interface Part {
  type: string;
  content?: string;
}

interface MessageLike {
  role?: unknown;
  content?: unknown;
}

function partsOf(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content: redactSecrets(content) }];
  if (!Array.isArray(content)) return [];
  return content.map((part: unknown) => {
    const { type, text } = (part ?? {}) as { type?: unknown; text?: unknown };
    if (typeof text === 'string') return { type: 'text', content: redactSecrets(text) };
    return { type: typeof type === 'string' ? type : 'unknown' };
  });
}

/** The request's messages; `system` is Anthropic's separate system prompt. */
export function captureInputMessages(messages: unknown, system?: unknown): string {
  const out: { role: string; parts: Part[] }[] = [];
  if (system !== undefined && system !== null) out.push({ role: 'system', parts: partsOf(system) });
  for (const message of Array.isArray(messages) ? (messages as MessageLike[]) : []) {
    out.push({
      role: typeof message?.role === 'string' ? message.role : 'user',
      parts: partsOf(message?.content),
    });
  }
  return JSON.stringify(out);
}

export function captureOutputMessages(text: string, finishReasons: readonly string[]): string {
  return JSON.stringify([
    {
      role: 'assistant',
      parts: [{ type: 'text', content: redactSecrets(text) }],
      finish_reason: finishReasons[0] ?? '',
    },
  ]);
}
