// Small helpers the parts of a run share.
import { LoadhouseError } from '../errors.js';

/**
 * `work`, or LH_RUN_ABORTED as soon as `signal` aborts (options.signal during the connect, which can take the
 * whole connect timeout); what `work` yields after that is handed to `dispose`.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal, dispose: (value: T) => void): Promise<T> {
  if (signal.aborted) {
    void work.then(dispose, () => undefined);
    return Promise.reject(new LoadhouseError('LH_RUN_ABORTED', 'The run was aborted before it connected to the target.'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      void work.then(dispose, () => undefined);
      reject(new LoadhouseError('LH_RUN_ABORTED', 'The run was aborted before it connected to the target.'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) dispose(v);
        else resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

export function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
