import { defineConfig } from "vite"

// Built into ./dist and served by the console itself (services/console/src/page-route.ts):
// no CDN, no external fonts; the centre's network may have no internet.
export default defineConfig({
  root: import.meta.dirname,
  logLevel: "warn",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", assetsInlineLimit: 0, reportCompressedSize: false },
  server: { proxy: { "/api": "http://localhost:8080" } }
})
