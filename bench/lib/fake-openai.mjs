// A minimal OpenAI-compatible server for benches: every POST answers one fixed chat completion
// (with usage), keep-alive; any other path (an OTLP sink, say) answers 200 with an empty body.
import { createServer } from 'node:http';

export const COMPLETION = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_764_000_000,
    model: 'gpt-4o-mini',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'ok', refusal: null },
        finish_reason: 'stop',
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
  }),
);
export const COMPLETION_HEADERS = {
  'content-type': 'application/json',
  'content-length': String(COMPLETION.length),
};

/** Starts the server on 127.0.0.1:0; resolves to `{ url, otherRequests, close }` (`url` without a path). */
export async function startFakeOpenAI() {
  let others = 0;
  const server = createServer({ keepAlive: true, keepAliveTimeout: 60_000 }, (req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url.endsWith('/chat/completions')) {
        res.writeHead(200, COMPLETION_HEADERS);
        res.end(COMPLETION);
      } else {
        others++;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
        res.end('{}');
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    /** How many requests went to a path other than chat completions (e.g. OTLP exports). */
    otherRequests: () => others,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}
