/** The abort signal shape axios accepts on a request (`GenericAbortSignal`). */
export interface SignalLike {
  readonly aborted: boolean;
  addEventListener?: (type: 'abort', listener: () => void) => void;
  removeEventListener?: (type: 'abort', listener: () => void) => void;
}

/**
 * `promise`, or a rejection with `abortError()` as soon as `signal` aborts, whichever comes first.
 */
export function abortable<T>(
  promise: Promise<T>,
  signal: SignalLike | undefined,
  abortError: () => unknown,
): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener?.('abort', onAbort);
    const done = (): void => signal.removeEventListener?.('abort', onAbort);
    promise.then(
      (value) => {
        done();
        resolve(value);
      },
      (error: unknown) => {
        done();
        reject(error);
      },
    );
  });
}

/** One run of a task that others may join. */
export interface Flight<T> {
  readonly promise: Promise<T>;
  /** Aborted when the flight is cancelled, or by the task itself through `controller`. */
  readonly signal: AbortSignal;
}

/** At most one task under way at a time; callers arriving meanwhile join it. */
export interface SingleFlight<T> {
  /** The flight under way, if any. */
  current(): Flight<T> | undefined;
  /** Joins the flight under way, or starts `task` as a new one. */
  run(task: (controller: AbortController) => Promise<T>): Promise<T>;
  /** Settles the flight under way with `error` at once and aborts its signal; its task's outcome is then ignored. */
  cancel(error: unknown): void;
}

export function createSingleFlight<T>(): SingleFlight<T> {
  let flight:
    | (Flight<T> & { readonly controller: AbortController; readonly reject: (error: unknown) => void })
    | undefined;

  return {
    current: () => flight,
    run(task) {
      if (flight) return flight.promise;
      const controller = new AbortController();
      let settle!: (outcome: () => void) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<T>((resolvePromise, rejectPromise) => {
        let settled = false;
        settle = (outcome) => {
          if (settled) return;
          settled = true;
          if (flight?.promise === promise) flight = undefined;
          outcome();
        };
        reject = (error) => settle(() => rejectPromise(error));
        // The task runs after `flight` is set, so anything it calls sees the flight under way.
        Promise.resolve()
          .then(() => task(controller))
          .then((value) => settle(() => resolvePromise(value)), reject);
      });
      // Waiters that give up (abort) must not leave an unhandled rejection behind.
      promise.catch(() => undefined);
      flight = { promise, signal: controller.signal, controller, reject };
      return promise;
    },
    cancel(error) {
      const cancelled = flight;
      if (!cancelled) return;
      cancelled.reject(error);
      cancelled.controller.abort(error);
    },
  };
}
