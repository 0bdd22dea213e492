/** Calling the API handlers in-process, as both hosts do, for the API tests. */
import type { ApiEvent, MethodArgs, MethodName, MethodResult } from '../../../electron/api/contract';
import { dispatch } from '../../../electron/api/dispatch';
import type { Api } from '../../../electron/api/dispatch';

type DoneEvent = Extract<ApiEvent, { event: 'pipeline.done' }>['data'];

/** `call` unwraps the envelope (errors thrown with their fields); `untilDone` waits for a job's done event. */
export function apiHarness(api: () => Api) {
  return {
    async call<M extends MethodName>(m: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
      const env = await dispatch(api().handlers, m, args);
      if ('error' in env) throw Object.assign(new Error(env.error.message), env.error);
      return env.result as MethodResult<M>;
    },
    untilDone(jobId: string): Promise<DoneEvent> {
      return new Promise((resolve) => {
        const off = api().hub.subscribe((e) => {
          if (e.event === 'pipeline.done' && e.data.jobId === jobId) {
            off();
            resolve(e.data);
          }
        });
      });
    },
  };
}
