import { test as base, expect, type Page, type BrowserContext, type TestInfo } from "@playwright/test";

type Console = {
  /** Console errors and hydration warnings seen so far. */
  errors: string[];
  /** Declares a console error the test provokes on purpose (e.g. a rejected login's HTTP status). */
  allow: (pattern: RegExp) => void;
};

/** Fails the test on any unexpected console error, hydration warning or uncaught exception. */
export const test = base.extend<{ consoleErrors: Console }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      const allowed: RegExp[] = [];
      page.on("console", (msg) => {
        const text = msg.text();
        if (msg.type() === "error" || (msg.type() === "warning" && /hydrat/i.test(text))) {
          errors.push(text);
        }
      });
      page.on("pageerror", (err) => errors.push(err.message));
      await use({ errors, allow: (pattern) => allowed.push(pattern) });
      const unexpected = errors.filter((e) => !allowed.some((p) => p.test(e)));
      expect(unexpected, "console errors").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export const user = {
  name: process.env.E2E_USER ?? "e2e-user",
  password: process.env.E2E_PASSWORD ?? "e2e-password-1",
};

export const fixtures = process.env.E2E_FIXTURES ?? "../data-e2e/pictures";

/** Resolves once the WebAssembly bundle has hydrated the page. */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => (window as any).__imgbatchHydrated === true);
}

/** Signs the browser in as one of the prepared accounts (tokens come from the global setup). */
export async function signInAs(context: BrowserContext, who: "user" | "rich" | "admin") {
  const token = process.env[`E2E_${who.toUpperCase()}_TOKEN`];
  if (!token) throw new Error(`no token for ${who}`);
  const url = `http://127.0.0.1:${process.env.E2E_PORT ?? 3217}`;
  await context.addCookies([{ name: "imgbatch_session", value: token, url }]);
  return token;
}

/** Opens a page and waits until it is interactive. */
export async function open(page: Page, path: string) {
  await page.goto(path);
  await waitForHydration(page);
}

/** Saves a screenshot of the page as a test artifact. */
export async function snapshot(page: Page, info: TestInfo, name: string) {
  await page.screenshot({ path: info.outputPath(`${name}.png`), fullPage: true });
}
