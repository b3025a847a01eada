import { test as base, expect } from "@playwright/test";

/** Fails the test on any console error or uncaught exception in the page. */
export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    page.on("pageerror", (err) => errors.push(err.message));
    await use(errors);
    expect(errors, "console errors").toEqual([]);
  },
});

export { expect };

export const user = {
  name: process.env.E2E_USER ?? "e2e-user",
  password: process.env.E2E_PASSWORD ?? "e2e-password-1",
};

/** Resolves once the WebAssembly bundle has hydrated the page. */
export async function waitForHydration(page: import("@playwright/test").Page) {
  await page.waitForFunction(() => (window as any).__imgbatchHydrated === true);
}
