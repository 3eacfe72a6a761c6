/** Reading a streamed 2xx response: its body, and the JSON of each event. */
import { ProviderError } from '../types.js';

function invalidResponse(provider: string, message: string, cause?: unknown): ProviderError {
  return new ProviderError(`${provider}: ${message}`, 'server', {
    provider,
    errorType: 'invalid_response',
    cause,
  });
}

export function responseBody(provider: string, response: Response): AsyncIterable<Uint8Array> {
  if (!response.body) throw invalidResponse(provider, 'streamed response has no body');
  return response.body;
}

/** An event's JSON data; garbage in a 200 stream is the provider's (or its proxy's) failure. */
export function parseEventData(provider: string, data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch (error) {
    throw invalidResponse(provider, 'stream event is not JSON', error);
  }
}

/** A stream that ended cleanly but before the answer did: a cut connection, retryable like one. */
export function incompleteStream(provider: string): ProviderError {
  return new ProviderError(`${provider}: stream ended before the answer did`, 'network', {
    provider,
    errorType: 'stream_incomplete',
  });
}
