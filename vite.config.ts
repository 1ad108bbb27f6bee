import { defineConfig } from 'vite';

/** Where `npx vite` (dashboard development) finds a running zfscope server. */
const server = process.env.ZFSCOPE_URL ?? 'http://127.0.0.1:6006';

/** The dashboard bundle: served by the zfscope server from dist/dashboard-app. No CDN. */
export default defineConfig({
  root: 'dashboard',
  base: './',
  build: {
    outDir: '../dist/dashboard-app',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  // `npx vite` serves the dashboard with hot reload and forwards data to a real server.
  server: {
    proxy: {
      '/api': server,
      '/blobs': server,
      '/live': { target: server.replace(/^http/, 'ws'), ws: true },
    },
  },
});
