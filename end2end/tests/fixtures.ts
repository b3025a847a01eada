import { test as base, expect, type Page } from "@playwright/test";

type Console = {
  /** Console errors seen so far. */
  errors: string[];
  /** Declares a console error the test provokes on purpose (e.g. a rejected login's HTTP status). */
  allow: (pattern: RegExp) => void;
};

/** Fails the test on any unexpected console error or uncaught exception in the page. */
export const test = base.extend<{ consoleErrors: Console }>({
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    const allowed: RegExp[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    page.on("pageerror", (err) => errors.push(err.message));
    await use({ errors, allow: (pattern) => allowed.push(pattern) });
    const unexpected = errors.filter((e) => !allowed.some((p) => p.test(e)));
    expect(unexpected, "console errors").toEqual([]);
  },
});

export { expect };

export const user = {
  name: process.env.E2E_USER ?? "e2e-user",
  password: process.env.E2E_PASSWORD ?? "e2e-password-1",
};

/** Resolves once the WebAssembly bundle has hydrated the page. */
export async function waitForHydration(page: Page) {
  await page.waitForFunction(() => (window as any).__imgbatchHydrated === true);
}
