/**
 * Server-sent events, as both OpenAI and Anthropic stream them: `event:` and `data:` fields,
 * events separated by a blank line, lines ended by LF, CRLF or CR. Decoding is incremental, so a
 * multi-byte character or a line split across network chunks is reassembled, and the cost is
 * linear in the body.
 */

export interface ServerSentEvent {
  /** The `event:` field; `undefined` for an unnamed event (OpenAI sends only those). */
  event: string | undefined;
  /** The `data:` lines, joined with `\n`. */
  data: string;
}

/** Yields the events of an SSE body; comments (`: ping`) and events without data are skipped. */
export async function* readServerSentEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  const parser = new EventParser();
  for await (const bytes of body) {
    yield* parser.push(decoder.decode(bytes, { stream: true }));
  }
  yield* parser.push(decoder.decode());
  yield* parser.end();
}

class EventParser {
  #buffer = '';
  #event: string | undefined;
  #data: string[] = [];

  /** Consumes `text` and returns the events it completes. */
  push(text: string): ServerSentEvent[] {
    this.#buffer += text;
    const events: ServerSentEvent[] = [];
    const newline = /\r\n?|\n/g;
    let start = 0;
    for (let match = newline.exec(this.#buffer); match; match = newline.exec(this.#buffer)) {
      // A CR at the buffer's end may be the first half of a CRLF still in flight.
      if (match[0] === '\r' && newline.lastIndex === this.#buffer.length) break;
      const event = this.#line(this.#buffer.slice(start, match.index));
      if (event) events.push(event);
      start = newline.lastIndex;
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  /** The body ended: a last event without its blank line still counts. */
  end(): ServerSentEvent[] {
    const events: ServerSentEvent[] = [];
    if (this.#buffer) {
      const event = this.#line(this.#buffer.replace(/\r$/, ''));
      if (event) events.push(event);
      this.#buffer = '';
    }
    const last = this.#dispatch();
    if (last) events.push(last);
    return events;
  }

  #line(line: string): ServerSentEvent | undefined {
    if (line === '') return this.#dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#event = value;
    return undefined;
  }

  #dispatch(): ServerSentEvent | undefined {
    const event =
      this.#data.length > 0 ? { event: this.#event, data: this.#data.join('\n') } : undefined;
    this.#event = undefined;
    this.#data = [];
    return event;
  }
}
