// @vitest-environment jsdom
/**
 * In the desktop app the preload offers window.vasco.openFile (Electron's
 * native dialog, electron/main.ts): the run form's Browse… buttons use it,
 * never the data-folder browser, and the paths chosen - plates, a catalogue
 * file, the published catalogue - reach pipeline.start as parameters the API
 * accepts. A cancelled dialog changes nothing. (Electron itself is absent
 * here: the bridge stands in for the preload.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { RunForm } from '../../../renderer/components/run/RunForm';
import { usePipeline, type StartArgs } from '../../../renderer/stores/pipeline';
import { paramsToOptions } from '../../../electron/api/run-params';
import type { OpenFileKind, VascoBridge } from '../../../electron/api/client';

const g = globalThis as { vasco?: VascoBridge };

afterEach(() => {
  cleanup();
  delete g.vasco;
});

describe('RunForm with the native open-file dialog', () => {
  it('fills plates, a catalogue file and the published catalogue from the dialog and starts the run with them', async () => {
    const asked: OpenFileKind[] = [];
    const invoked: string[] = [];
    const answers = ['/home/ann/POSS I/XE687 red.fits', '/home/ann/POSS I/XO687 blue.fits', null, '/home/ann/cats/ps1 field.csv', '/home/ann/cats/vasco published.csv'];
    g.vasco = {
      invoke: async (method) => (invoked.push(method), { error: { code: 'internal', message: 'not in this test' } }),
      subscribe: () => () => undefined,
      openFile: async (kind) => (asked.push(kind), answers.shift() ?? null),
    };
    const sent: StartArgs[] = [];
    const realStart = usePipeline.getState().start;
    usePipeline.setState({ start: async (args: StartArgs) => void sent.push(args) });
    try {
      render(<RunForm />);
      fireEvent.click(screen.getByLabelText('red only'));
      fireEvent.click(screen.getByRole('button', { name: 'Browse red FITS' }));
      await waitFor(() => expect(screen.getByLabelText('Red FITS path')).toHaveProperty('value', '/home/ann/POSS I/XE687 red.fits'));
      fireEvent.click(screen.getByRole('button', { name: 'Browse blue FITS' }));
      await waitFor(() => expect(screen.getByLabelText('Blue FITS path')).toHaveProperty('value', '/home/ann/POSS I/XO687 blue.fits'));
      // Cancelled: the blue plate stays.
      fireEvent.click(screen.getByRole('button', { name: 'Browse blue FITS' }));
      await waitFor(() => expect(asked).toHaveLength(3));
      expect(screen.getByLabelText('Blue FITS path')).toHaveProperty('value', '/home/ann/POSS I/XO687 blue.fits');
      fireEvent.change(screen.getByLabelText('Catalogue to add'), { target: { value: 'ps1' } });
      fireEvent.click(screen.getByRole('button', { name: 'Browse for a catalogue file' }));
      await waitFor(() => expect(screen.getByLabelText('Catalogue files')).toHaveProperty('value', 'ps1=/home/ann/cats/ps1 field.csv'));
      fireEvent.click(screen.getByRole('button', { name: 'Browse published' }));
      await waitFor(() => expect(screen.getByLabelText('Published catalogue')).toHaveProperty('value', '/home/ann/cats/vasco published.csv'));

      expect(asked).toEqual(['fits', 'fits', 'fits', 'catalogue', 'catalogue']);
      expect(invoked).toEqual([]); // no files.list: the data-folder browser never opened
      expect(screen.queryByRole('dialog', { name: 'Data folder' })).toBeNull();

      fireEvent.click(screen.getByRole('button', { name: 'Start run' }));
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ red: '/home/ann/POSS I/XE687 red.fits', blue: '/home/ann/POSS I/XO687 blue.fits', redOnly: false });
      expect(sent[0].params).toEqual({ 'catalogue.localFiles.ps1': '/home/ann/cats/ps1 field.csv', 'catalogue.vasco': '/home/ann/cats/vasco published.csv' });
      expect(paramsToOptions(sent[0].params)).toEqual({
        catalogue: { localFiles: { ps1: '/home/ann/cats/ps1 field.csv' }, vasco: '/home/ann/cats/vasco published.csv' },
      });
    } finally {
      usePipeline.setState({ start: realStart });
    }
  });
});
