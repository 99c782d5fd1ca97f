import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["contracts/**/*.test.ts", "packages/**/*.test.ts", "services/**/*.test.ts", "simulators/**/*.test.ts", "tests/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/.data/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    reporters: process.env.CI ? ["default"] : ["default"]
  }
})
