import { Code, ConnectError } from '@connectrpc/connect';

/**
 * A streamed response watched to its end. `onEnd` runs once: with undefined
 * when the stream completes, with the thrown error when it fails (what
 * `onEnd` returns is thrown on in its place, so a watcher may map it), or
 * with a CANCELLED error when the reader stops early. `wrapStep` runs each
 * step of the source (a server keeps its call context around the handler's
 * generator this way).
 */
export function watchStream<T>(
  source: AsyncIterable<T>,
  onEnd: (thrown: unknown) => unknown,
  wrapStep: <R>(step: () => R) => R = (step) => step(),
): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]();
      let ended = false;
      const end = (thrown: unknown): unknown => {
        if (ended) {
          return thrown;
        }
        ended = true;
        return onEnd(thrown);
      };
      return {
        async next() {
          let result: IteratorResult<T>;
          try {
            result = await wrapStep(() => iterator.next());
          } catch (err) {
            throw end(err);
          }
          if (result.done) {
            end(undefined);
          }
          return result;
        },
        async return(value?: unknown) {
          end(new ConnectError('stream abandoned by its reader', Code.Canceled));
          return (await wrapStep(() => iterator.return?.(value))) ?? { done: true, value: undefined };
        },
      };
    },
  };
}
