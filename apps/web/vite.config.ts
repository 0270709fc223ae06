// Builds the browser app into dist/public, which the web server (src/server) and the S3 site serve as is.
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'src/ui',
  publicDir: false,
  plugins: [preact()],
  build: {
    outDir: '../../dist/public',
    emptyOutDir: true,
    // One app, a handful of screens: a single chunk plus hls.js is smaller than the cost of splitting it.
    chunkSizeWarningLimit: 600,
  },
  server: {
    // `vite` for development against `./reelforge up`'s stack, with the same split as the web server.
    proxy: {
      '/v1/events': 'http://127.0.0.1:8081',
      '/v1': 'http://127.0.0.1:8080',
    },
  },
});
