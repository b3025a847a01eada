import { defineConfig } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3217);
const baseURL = `http://127.0.0.1:${port}`;
// The server's log goes to a file that scripts/e2e.sh prints the end of when a test fails.
const serverLog = process.env.E2E_SERVER_LOG;
const serve = `${process.env.E2E_BINARY ?? "target/release/imgbatch"} serve`;

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.E2E_REPORT
    ? [["list"], ["json", { outputFile: process.env.E2E_REPORT }]]
    : [["list"]],
  globalSetup: "./global-setup.ts",
  outputDir: "./test-results",
  use: {
    baseURL,
    locale: "en-US",
    trace: "retain-on-failure",
    acceptDownloads: true,
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
      ],
    },
  },
  webServer: {
    command: serverLog ? `exec ${serve} >> "${serverLog}" 2>&1` : serve,
    cwd: "..",
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: {
      IMGBATCH_ADDR: `127.0.0.1:${port}`,
      IMGBATCH_DATA_DIR: process.env.E2E_DATA_DIR ?? "data-e2e",
      IMGBATCH_DEMO_DELAY_MS: "1200",
      IMGBATCH_SITE_DIR: "target/site",
    },
  },
});
