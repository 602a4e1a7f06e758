import { defineConfig } from 'vite'

// The relay serves the built client from dist/client. In development
// (`npm run dev`) Vite serves it with hot reload and forwards /ws and /api to
// the relay named by RELAY_URL.
const relay = process.env.RELAY_URL ?? 'http://127.0.0.1:1234'

export default defineConfig({
  root: 'client',
  build: { outDir: '../dist/client', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/ws': { target: relay.replace(/^http/, 'ws'), ws: true },
      '/api': { target: relay },
      '/healthz': { target: relay },
    },
  },
})
