/** The SSE reader: framing by the spec, whatever the network's chunk boundaries. */
import { describe, expect, it } from 'vitest';
import { readServerSentEvents, type ServerSentEvent } from '../src/providers/sse.js';

async function* chunks(parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part;
}

async function read(parts: Uint8Array[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(chunks(parts))) events.push(event);
  return events;
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

const BODY =
  ': keep-alive comment\n' +
  'event: message_start\ndata: {"type":"message_start","note":"héllo ✓ 🚀"}\n\n' +
  'event: ping\r\ndata: {"type":"ping"}\r\n\r\n' +
  'data: line one\ndata: line two\n\n' +
  'data:no-space\r\rid: 7\nretry: 10\n\n' +
  'event: empty\n\n' +
  'data: [DONE]\n\n';

const EXPECTED: ServerSentEvent[] = [
  { event: 'message_start', data: '{"type":"message_start","note":"héllo ✓ 🚀"}' },
  { event: 'ping', data: '{"type":"ping"}' },
  { event: undefined, data: 'line one\nline two' },
  { event: undefined, data: 'no-space' },
  { event: undefined, data: '[DONE]' },
];

describe('readServerSentEvents', () => {
  it('reads events, names, multi-line data, CRLF and CR line ends; skips comments and dataless events', async () => {
    expect(await read([bytes(BODY)])).toEqual(EXPECTED);
  });

  it('gives the same events for every split of the body into two chunks (mid-character and mid-CRLF included)', async () => {
    const all = bytes(BODY);
    for (let at = 1; at < all.length; at++) {
      expect(await read([all.slice(0, at), all.slice(at)])).toEqual(EXPECTED);
    }
  });

  it('gives the same events when the body arrives one byte at a time', async () => {
    const all = bytes(BODY);
    expect(await read([...all].map((b) => Uint8Array.of(b)))).toEqual(EXPECTED);
  });

  it('dispatches a last event that has no blank line after it', async () => {
    expect(await read([bytes('data: {"a":1}\n\ndata: {"b":2}')])).toEqual([
      { event: undefined, data: '{"a":1}' },
      { event: undefined, data: '{"b":2}' },
    ]);
  });

  it('reads a long stream in linear time', async () => {
    const event = `data: ${JSON.stringify({ choices: [{ delta: { content: 'token ' } }] })}\n\n`;
    const parts = Array.from({ length: 20_000 }, () => bytes(event));
    // No timed assertion: quadratic buffering of 20k events would not finish in the test timeout.
    expect(await read(parts)).toHaveLength(20_000);
  });
});
