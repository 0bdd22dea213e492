/**
 * Renderer build: renderer/ -> dist/renderer, loadable from file:// (Electron)
 * and from the browser host, hence the relative base.
 *
 * fitsjs only works as a classic <script> (it needs FileReader and defines
 * window.astro.FITS), so it is not bundled: the plugin below serves it in dev,
 * emits it into the build and adds the <script> tag. The library itself stays
 * in node_modules; nothing is copied into the repository.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const here = dirname(fileURLToPath(import.meta.url));
const FITSJS_OUT = 'vendor/fits.js';

function fitsjsClassicScript(): Plugin {
  const require = createRequire(import.meta.url);
  const source = () => readFileSync(require.resolve('fitsjs/lib/fits.js'), 'utf8');
  return {
    name: 'vasco-fitsjs-classic-script',
    configureServer(server) {
      server.middlewares.use(`/${FITSJS_OUT}`, (_req, res) => {
        res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
        res.end(source());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: FITSJS_OUT, source: source() });
    },
    transformIndexHtml() {
      // A classic script runs before the deferred module script, so window.astro exists when the app starts.
      return [{ tag: 'script', attrs: { src: `./${FITSJS_OUT}` }, injectTo: 'head' }];
    },
  };
}

export default defineConfig({
  root: resolve(here, 'renderer'),
  base: './',
  plugins: [react(), fitsjsClassicScript()],
  build: {
    outDir: resolve(here, 'dist/renderer'),
    emptyOutDir: true,
    // aladin-lite is one 2.4 MB ESM file with embedded WASM, loaded lazily.
    chunkSizeWarningLimit: 3000,
    target: 'es2022',
  },
  logLevel: 'warn',
});
