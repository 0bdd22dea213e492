// @vitest-environment jsdom
/**
 * The run form takes its fields from the parameter schema: a number outside
 * its limits (or a fraction where whole pixels are meant) is said in words and
 * keeps Start disabled; words and switches reach pipeline.start as the
 * parameters the API checks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { RunForm } from '../../../renderer/components/run/RunForm';
import { usePipeline, type StartArgs } from '../../../renderer/stores/pipeline';
import { paramsToOptions } from '../../../electron/api/run-params';

afterEach(cleanup);

describe('RunForm parameter limits', () => {
  it('refuses values beyond the limits until corrected, and sends changed words and switches', () => {
    const sent: StartArgs[] = [];
    const realStart = usePipeline.getState().start;
    usePipeline.setState({ start: async (args: StartArgs) => void sent.push(args) });
    try {
      render(<RunForm />);
      fireEvent.change(screen.getByLabelText('Red FITS path'), { target: { value: '/data/red.fits' } });
      const start = screen.getByRole('button', { name: 'Start run' });
      expect(start).toHaveProperty('disabled', false);

      fireEvent.change(screen.getByLabelText('catalogue.decMin'), { target: { value: '-95' } });
      expect(start).toHaveProperty('disabled', true);
      expect(document.body.textContent).toContain('Dec ≥ (catalogue.decMin) must be from -90 to 90');
      fireEvent.change(screen.getByLabelText('catalogue.decMin'), { target: { value: '-6.2' } });
      fireEvent.change(screen.getByLabelText('extraction.tileSizePx'), { target: { value: '100.5' } });
      expect(start).toHaveProperty('disabled', true);
      expect(document.body.textContent).toContain('must be ≥ 0, a whole number');
      fireEvent.change(screen.getByLabelText('extraction.tileSizePx'), { target: { value: '4096' } });
      expect(start).toHaveProperty('disabled', false);

      fireEvent.change(screen.getByLabelText('catalogue.veto'), { target: { value: 'local' } });
      fireEvent.click(screen.getByLabelText('filters.mad.enabled'));
      fireEvent.click(start);
      expect(sent).toHaveLength(1);
      expect(sent[0].params).toEqual({ 'catalogue.decMin': -6.2, 'extraction.tileSizePx': 4096, 'catalogue.veto': 'local', 'filters.mad.enabled': true });
      expect(paramsToOptions(sent[0].params)).toEqual({
        catalogue: { decMin: -6.2, veto: 'local' },
        extraction: { tileSizePx: 4096 },
        filters: { mad: { enabled: true } },
      });
    } finally {
      usePipeline.setState({ start: realStart });
    }
  });
});
