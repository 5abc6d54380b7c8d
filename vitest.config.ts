import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{packages,plugins,tools,examples}/*/test/**/*.test.{ts,js}"],
    testTimeout: 20000,
  },
});
