/**
 * Watches an SDK stream as the caller reads it, without handing the caller a different object:
 * the stream's source of items is replaced in place, so the object keeps its class, `controller`
 * and every other property, and every way of reading it is observed.
 *
 * Where the items come from: the SDKs' `Stream` (Stainless) keeps its source as an own `iterator`
 * function, which `Symbol.asyncIterator`, `tee()` and `toReadableStream()` all call (`openai`'s
 * `tee()` calls it directly, skipping `Symbol.asyncIterator`), so that is the one to replace. Any
 * other async iterable has its `Symbol.asyncIterator` replaced.
 */

export type StreamEnd =
  | { reason: 'completed' }
  /** The caller stopped reading (`break`, `return()`) before the stream ended. */
  | { reason: 'cancelled' }
  | { reason: 'failed'; error: unknown };

export interface StreamObserver<Item> {
  /** Sees each item before the caller; returns false to keep it from the caller. */
  onItem(item: Item): boolean;
  /** Called once, however the read ends. */
  onEnd(end: StreamEnd): void;
}

/** Observes the first read of `stream`; later ones (the SDKs refuse them anyway) pass through. */
export function observeStream<Item>(
  stream: AsyncIterable<Item>,
  observer: StreamObserver<Item>,
): void {
  let observed = false;
  let ended = false;
  // Telemetry never breaks the caller's read: what the observer throws is dropped.
  const end = (how: StreamEnd): void => {
    if (ended) return;
    ended = true;
    try {
      observer.onEnd(how);
    } catch {
      /* dropped */
    }
  };
  // The SDKs' streams end quietly, as if complete, when their request is aborted; their
  // controller tells the two apart.
  const aborted = (): boolean =>
    (stream as { controller?: { signal?: AbortSignal } }).controller?.signal?.aborted === true;
  const show = (item: Item): boolean => {
    try {
      return observer.onItem(item);
    } catch {
      return true;
    }
  };

  const observe = (source: AsyncIterator<Item>): AsyncIterator<Item> => {
    if (observed) return source;
    observed = true;
    const iterator: AsyncIterableIterator<Item> = {
      async next() {
        for (;;) {
          let result: IteratorResult<Item>;
          try {
            result = await source.next();
          } catch (error) {
            end({ reason: 'failed', error });
            throw error;
          }
          if (result.done) {
            end(aborted() ? { reason: 'cancelled' } : { reason: 'completed' });
            return result;
          }
          if (ended || show(result.value)) return result;
        }
      },
      async return(value?: unknown) {
        end({ reason: 'cancelled' });
        return (await source.return?.(value)) ?? { done: true, value: undefined };
      },
      async throw(error?: unknown) {
        end({ reason: 'failed', error });
        if (source.throw) return source.throw(error);
        throw error;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  };

  const key =
    Object.hasOwn(stream, 'iterator') && typeof Reflect.get(stream, 'iterator') === 'function'
      ? 'iterator'
      : Symbol.asyncIterator;
  const original = Reflect.get(stream, key) as (this: unknown) => AsyncIterator<Item>;
  Object.defineProperty(stream, key, {
    configurable: true,
    writable: true,
    value: function (this: unknown): AsyncIterator<Item> {
      return observe(original.call(this));
    },
  });
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}
