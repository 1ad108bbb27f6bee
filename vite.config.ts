import { defineConfig } from 'vite';

/** The dashboard bundle: served by the zfscope server from dist/dashboard-app. No CDN. */
export default defineConfig({
  root: 'dashboard',
  base: './',
  build: {
    outDir: '../dist/dashboard-app',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
});
