/** The run form's reference defaults are the pipeline's own defaults, and each key is a parameter pipeline.start accepts. */
import { describe, expect, it } from 'vitest';
import { PARAMS, changedParams, defaultParams } from '../../../renderer/components/run/params';
import { resolveParameters } from '../../../electron/pipeline/parameters';
import { paramsToOptions } from '../../../electron/api/jobs';

describe('run form parameters', () => {
  const resolved = resolveParameters({ red: '/r.fits', out: '/tmp/x' }) as unknown as Record<string, Record<string, unknown>>;

  it('show the pipeline’s defaults', () => {
    for (const p of PARAMS) {
      const value = p.key.split('.').reduce<unknown>((node, name) => (node as Record<string, unknown>)[name], resolved);
      expect(value, p.key).toBe(p.value);
    }
  });

  it('send only changed values, which pipeline.start turns into run options', () => {
    const v = defaultParams();
    expect(changedParams(v)).toEqual({});
    v['catalogue.decMin'] = -20;
    v['filters.snrMin'] = 10;
    expect(paramsToOptions(changedParams(v))).toEqual({ catalogue: { decMin: -20 }, filters: { snrMin: 10 } });
  });
});
