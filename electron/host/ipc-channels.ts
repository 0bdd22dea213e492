/**
 * The only IPC channels between renderer and main (used by electron/main.ts
 * and electron/preload.ts). Every call goes through `invoke` and the contract's
 * dispatcher; events come back on `event`; `open-file` shows the native
 * open-file dialog (it returns a path the person chose, nothing else).
 */
export const IPC_INVOKE = 'vasco:invoke';
export const IPC_EVENT = 'vasco:event';
export const IPC_OPEN_FILE = 'vasco:open-file';
