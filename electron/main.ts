/**
 * The Electron shell: one window showing the built renderer from app://vasco,
 * the API contract over one IPC channel, and nothing else. The rules it
 * enforces live in ./host/security.ts (tested without Electron):
 *  - contextIsolation, sandbox, no nodeIntegration, no webview;
 *  - a strict CSP on every renderer response;
 *  - navigation away from app://vasco and new windows are refused;
 *  - every permission request (camera, notifications, ...) is denied;
 *  - IPC is answered only for our own window's top frame.
 * Pipeline runs are processes of their own, as under the browser host: the
 * packaged binary cannot run as Node (fuse), so they are Electron utility
 * processes running dist/electron/run.mjs (api/run-launcher.ts chooses).
 * One of the two files that may import 'electron' (the other: preload.ts).
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, utilityProcess, type MenuItemConstructorOptions } from 'electron';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatch, type Api } from './api/dispatch';
import { createApi } from './api/handlers';
import { surveyOverviewSource } from './survey/overview';
import { IPC_EVENT, IPC_INVOKE, IPC_OPEN_FILE } from './host/ipc-channels';
import { CATALOGUE_EXTENSIONS, dataFolderFromArgv, FITS_EXTENSIONS } from './api/data-folder';
import { chooseRunLauncher } from './api/run-launcher';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, contentSecurityPolicy, isAllowedNavigation, isTrustedSender } from './host/security';
import { resolveStaticFile } from './host/static-files';
import { workspacePathFromArgv } from './host/workspace-path';

const here = dirname(fileURLToPath(import.meta.url)); // dist/electron
const rendererDir = join(here, '..', 'renderer'); // dist/renderer
const iconPath = join(here, '..', '..', 'resources', 'icon.png');
const csp = contentSecurityPolicy();

let mainWindow: BrowserWindow | null = null;
let api: Api | null = null;

// Must happen before 'ready': app:// behaves like https (origin, fetch, secure context).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

if (!app.requestSingleInstanceLock()) app.quit();

function serveRenderer(): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    const found = resolveStaticFile(rendererDir, url.pathname);
    if (found.kind === 'not-found') return new Response(`not found: ${found.reason}`, { status: 404 });
    const headers: Record<string, string> = { 'Content-Type': found.type, 'X-Content-Type-Options': 'nosniff' };
    if (found.html) headers['Content-Security-Policy'] = csp;
    return new Response(await readFile(found.file), { status: 200, headers });
  });
}

function lockDownSessions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e, url) => {
      if (!isAllowedNavigation(url)) e.preventDefault();
    });
    contents.on('will-redirect', (e, url) => {
      if (!isAllowedNavigation(url)) e.preventDefault();
    });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

function fromOurWindow(event: Electron.IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return isTrustedSender(
    { webContentsId: event.sender.id, frameUrl: frame?.url ?? '', isMainFrame: frame !== null && frame === event.sender.mainFrame },
    mainWindow && !mainWindow.isDestroyed() ? mainWindow.webContents.id : null,
  );
}

/** Extensions without the dot, as dialog filters take them (".fits.gz" -> "gz": the dialog matches the last one). */
const dialogExtensions = (list: readonly string[]) => [...new Set(list.map((e) => e.slice(e.lastIndexOf('.') + 1)))];

function serveApi(current: Api, dataDir: string): void {
  ipcMain.handle(IPC_INVOKE, async (event, method: unknown, args: unknown) => {
    if (!fromOurWindow(event)) return { error: { code: 'forbidden', message: 'IPC refused: not sent by the VASCO Workstation window' } };
    return dispatch(current.handlers, String(method), args);
  });
  // The native open-file dialog: the person picks any file; the window only learns the path chosen.
  ipcMain.handle(IPC_OPEN_FILE, async (event, kind: unknown) => {
    if (!fromOurWindow(event) || !mainWindow || (kind !== 'fits' && kind !== 'catalogue')) return null;
    const r = await dialog.showOpenDialog(mainWindow, {
      title: kind === 'fits' ? 'Open a plate (FITS)' : 'Open a catalogue file',
      defaultPath: dataDir,
      properties: ['openFile'],
      filters: [
        kind === 'fits' ? { name: 'FITS plates', extensions: dialogExtensions(FITS_EXTENSIONS) } : { name: 'Catalogues', extensions: dialogExtensions(CATALOGUE_EXTENSIONS) },
        { name: 'All files', extensions: ['*'] },
      ],
    });
    return r.canceled || !r.filePaths[0] ? null : r.filePaths[0];
  });
  current.hub.subscribe((e) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IPC_EVENT, e);
  });
}

function buildMenu(): void {
  const template: MenuItemConstructorOptions[] = [
    { label: 'File', submenu: [{ role: 'quit' }] },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions]),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'About VASCO Workstation', click: () => app.showAboutPanel() }] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function createWindow(): void {
  mainWindow = new BrowserWindow({
    width: 1440,
    height: 920,
    title: 'VASCO Workstation',
    icon: iconPath,
    backgroundColor: '#10141c',
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  mainWindow.on('closed', () => (mainWindow = null));
  void mainWindow.loadURL(`${APP_ORIGIN}/index.html`);
}

app.on('second-instance', () => {
  if (mainWindow) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  }
});

app.on('window-all-closed', () => app.quit());

app.on('will-quit', () => {
  void api?.close();
});

app.whenReady().then(async () => {
  app.setAboutPanelOptions({ applicationName: 'VASCO Workstation', applicationVersion: app.getVersion(), copyright: 'GPL-3.0-or-later' });
  lockDownSessions();
  serveRenderer();
  buildMenu();
  const runLauncher = chooseRunLauncher({
    electron: process.versions.electron,
    vascoBin: () => join(here, '..', '..', 'bin', 'vasco.mjs'),
    utility: { fork: (entry, args, options) => utilityProcess.fork(entry, args, options), entry: join(here, 'run.mjs') },
  });
  // A desktop app starts in / or the install folder: the home folder is the sensible default there.
  const dataDir = dataFolderFromArgv(process.argv, process.env, homedir());
  const dbPath = workspacePathFromArgv(process.argv);
  api = await createApi({ dbPath, offline: process.argv.includes('--offline'), surveyOverview: surveyOverviewSource(dbPath), runLauncher, dataDir });
  serveApi(api, dataDir);
  createWindow();
});
