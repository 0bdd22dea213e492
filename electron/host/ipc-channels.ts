/**
 * The only two IPC channels between renderer and main (used by electron/main.ts
 * and electron/preload.ts). Every call goes through `invoke` and the contract's
 * dispatcher; events come back on `event`.
 */
export const IPC_INVOKE = 'vasco:invoke';
export const IPC_EVENT = 'vasco:event';
