/**
 * Runs sandboxed before the renderer: exposes the API transport as
 * `window.vasco` (see VascoBridge in ./api/client.ts: the API and the native
 * open-file dialog) and nothing else - no
 * ipcRenderer, no Node. Bundled to CommonJS (sandboxed preloads cannot be ESM).
 * One of the two files that may import 'electron' (the other: main.ts).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ApiEvent } from './api/contract';
import type { Envelope, OpenFileKind, VascoBridge } from './api/client';
import { IPC_EVENT, IPC_INVOKE, IPC_OPEN_FILE } from './host/ipc-channels';

const bridge: VascoBridge = {
  invoke(method: string, args: unknown): Promise<Envelope> {
    if (typeof method !== 'string') return Promise.resolve({ error: { code: 'bad-arguments', message: 'method must be a string' } });
    return ipcRenderer.invoke(IPC_INVOKE, method, args) as Promise<Envelope>;
  },
  subscribe(listener: (event: ApiEvent) => void): () => void {
    const handler = (_e: IpcRendererEvent, event: ApiEvent) => listener(event);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler);
    };
  },
  openFile(kind: OpenFileKind): Promise<string | null> {
    return ipcRenderer.invoke(IPC_OPEN_FILE, kind) as Promise<string | null>;
  },
};

contextBridge.exposeInMainWorld('vasco', bridge);
